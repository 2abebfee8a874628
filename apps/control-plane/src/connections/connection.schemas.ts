import { z } from "zod";
import { IdOrName, Name, Timestamp } from "../validation/common.schemas";

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
});
export type CreateConnectionBody = z.output<typeof CreateConnectionBody>;

/** Any subset of the fields; `null` clears database or username; credential and tags are replaced whole. */
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
});
export type UpdateConnectionBody = z.output<typeof UpdateConnectionBody>;

export const ConnectionParam = IdOrName;

export const CredentialView = z.discriminatedUnion("source", [
  z.object({ source: z.literal("none") }),
  z.object({ source: z.literal("stored") }),
  z.object({ source: z.literal("connector_env"), envRef: z.string() }),
]);
export type CredentialView = z.output<typeof CredentialView>;

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
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ConnectionView = z.output<typeof ConnectionView>;

export const ConnectionList = z.object({ items: z.array(ConnectionView) });
export type ConnectionList = z.output<typeof ConnectionList>;
