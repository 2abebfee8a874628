import { z } from "zod";
import { IdOrName, Name, Timestamp } from "../validation/common.schemas";
import { caCertificatesProblem } from "./ca-certificates";
import { DEFAULT_SSL_MODE, SSL_MODES } from "./connection-options";

const PORT_RULE = "expected an integer from 1 to 65535";
export const ENV_REF_PATTERN = /^AIRLOCK_SECRET_[A-Z0-9_]{1,100}$/;

const Type = z.literal("postgres", {
  error: 'must be "postgres"; ssh and kubernetes connections arrive in later releases',
});
const Host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[^\s/@]+$/, { error: "must be a host name or IP address (no scheme, path or spaces)" });
const Port = z
  .int({ error: PORT_RULE })
  .min(1, { error: PORT_RULE })
  .max(65535, { error: PORT_RULE });
const Database = z.string().min(1).max(63);
const Username = z.string().min(1).max(128);
const TagKey = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/, {
  error: "tag names are 1 to 63 letters, digits, '.', '_', '/' or '-'",
});
const Tags = z
  .record(TagKey, z.string().max(256))
  .refine((tags) => Object.keys(tags).length <= 50, { error: "at most 50 tags" });
const ConnectorRef = IdOrName.describe("the connector's id or name");

const SslMode = z.enum(SSL_MODES, {
  error: `must be one of ${SSL_MODES.map((m) => `"${m}"`).join(", ")}`,
});
const MAX_PEM_CHARS = 65_536;
const SslRootCert = z
  .string()
  .max(MAX_PEM_CHARS, { error: `must be at most ${MAX_PEM_CHARS} characters of PEM` })
  .superRefine((pem, ctx) => {
    const problem = caCertificatesProblem(pem);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
  })
  .describe(
    "PEM of the CA certificate(s) that verify the target; absent: the connector's system roots",
  );
const SslServerName = z
  .string()
  .regex(/^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_.])?$/, {
    error: "must be the DNS name the target's certificate is issued for, e.g. db.internal",
  })
  .describe("the name the target's certificate must carry (and the TLS SNI); absent: the host");

/** Postgres TLS settings toward the target, like libpq's. */
export const ConnectionOptionsInput = z.strictObject({
  sslmode: SslMode.default(DEFAULT_SSL_MODE),
  sslrootcert: SslRootCert.optional(),
  sslservername: SslServerName.optional(),
});
export type ConnectionOptionsInput = z.output<typeof ConnectionOptionsInput>;

/** PATCH: given keys replace, `null` clears sslrootcert or sslservername, absent keys stay. */
export const ConnectionOptionsPatch = z.strictObject({
  sslmode: SslMode.optional(),
  sslrootcert: SslRootCert.nullable().optional(),
  sslservername: SslServerName.nullable().optional(),
});
export type ConnectionOptionsPatch = z.output<typeof ConnectionOptionsPatch>;

export const CredentialInput = z.discriminatedUnion(
  "source",
  [
    z.strictObject({ source: z.literal("none") }),
    z.strictObject({ source: z.literal("stored"), password: z.string().min(1).max(4096) }),
    z.strictObject({
      source: z.literal("connector_env"),
      envRef: z.string().regex(ENV_REF_PATTERN, {
        error:
          "must be the name of an environment variable that starts with AIRLOCK_SECRET_ (uppercase letters, digits, _): " +
          "the connector resolves only such names, so no other secret of its host can be sent to a target",
      }),
    }),
  ],
  { error: 'expected source "none", "stored" (with password) or "connector_env" (with envRef)' },
);
export type CredentialInput = z.output<typeof CredentialInput>;

export const CreateConnectionBody = z.strictObject({
  name: Name,
  type: Type,
  connector: ConnectorRef,
  host: Host,
  port: Port,
  database: Database.optional(),
  username: Username.optional(),
  tags: Tags.optional(),
  credential: CredentialInput.optional(),
  options: ConnectionOptionsInput.optional(),
});
export type CreateConnectionBody = z.output<typeof CreateConnectionBody>;

/**
 * Any subset of the fields; `null` clears database or username; credential and tags are
 * replaced whole; options are merged key by key.
 */
export const UpdateConnectionBody = z.strictObject({
  name: Name.optional(),
  type: Type.optional(),
  connector: ConnectorRef.optional(),
  host: Host.optional(),
  port: Port.optional(),
  database: Database.nullable().optional(),
  username: Username.nullable().optional(),
  tags: Tags.optional(),
  credential: CredentialInput.optional(),
  options: ConnectionOptionsPatch.optional(),
});
export type UpdateConnectionBody = z.output<typeof UpdateConnectionBody>;

export const ConnectionParam = IdOrName;

export const CredentialView = z.discriminatedUnion("source", [
  z.object({ source: z.literal("none") }),
  z.object({ source: z.literal("stored") }),
  z.object({ source: z.literal("connector_env"), envRef: z.string() }),
]);
export type CredentialView = z.output<typeof CredentialView>;

export const ConnectionOptionsView = z.object({
  sslmode: z.enum(SSL_MODES),
  sslrootcert: z.string().nullable(),
  sslservername: z.string().nullable(),
});
export type ConnectionOptionsView = z.output<typeof ConnectionOptionsView>;

export const ConnectionView = z.object({
  id: z.uuid(),
  name: z.string(),
  type: z.enum(["postgres", "ssh", "kubernetes"]),
  connector: z.object({ id: z.uuid(), name: z.string() }),
  host: z.string(),
  port: z.int(),
  database: z.string().nullable(),
  username: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  credential: CredentialView,
  options: ConnectionOptionsView,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ConnectionView = z.output<typeof ConnectionView>;

export const ConnectionList = z.object({ items: z.array(ConnectionView) });
export type ConnectionList = z.output<typeof ConnectionList>;
