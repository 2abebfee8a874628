// The environment contract: one zod schema, one line of guidance per variable.
// Messages never include a variable's value (several are secrets).
import { z } from "zod";
import { API_KEY_PATTERN } from "../security/secret-token";

/** 4 MiB of payload plus room for framing and the other fields of a message. */
export const DEFAULT_GRPC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024 + 64 * 1024;

// Compose files and shells often export a variable as "": treat that as unset.
const blankToUndefined = (v: unknown): unknown => (v === "" ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess(blankToUndefined, schema.optional());
const required = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema);

const url = (schemes: string[], example: string, missing = "must be set") =>
  z.string({ error: missing }).refine(
    (value) => {
      try {
        return schemes.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { error: `must be a ${schemes.map((s) => `${s}//`).join(" or ")} URL, e.g. ${example}` },
  );

const port = (fallback: number) =>
  optional(
    z.coerce
      .number({ error: "must be a port number from 0 to 65535 (0 picks a free port)" })
      .int({ error: "must be a port number from 0 to 65535 (0 picks a free port)" })
      .min(0, { error: "must be a port number from 0 to 65535 (0 picks a free port)" })
      .max(65535, { error: "must be a port number from 0 to 65535 (0 picks a free port)" }),
  ).transform((v) => v ?? fallback);

const host = (fallback: string) =>
  optional(
    z.string().regex(/^\S+$/, { error: "must be a host name or IP address without spaces" }),
  ).transform((v) => v ?? fallback);

const boolean = optional(
  z.enum(["true", "false"], { error: 'must be "true" or "false"' }),
).transform((v) => v === "true");

const MASTER_KEY_HELP =
  "32 random bytes, base64 or hex (generate one with: openssl rand -base64 32)";

const masterKey = z.string({ error: `is required: ${MASTER_KEY_HELP}` }).transform((value, ctx) => {
  const key = decodeKey(value.trim());
  if (key === null) {
    ctx.addIssue({ code: "custom", message: `must be ${MASTER_KEY_HELP}` });
    return z.NEVER;
  }
  return key;
});

/** 64 hex characters, or base64 / base64url of exactly 32 bytes. */
function decodeKey(text: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, "hex");
  if (!/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  return bytes.length === 32 ? bytes : null;
}

/** A whole number from min to max, `what` naming the unit in the error. */
const wholeNumber = (min: number, max: number, what: string, fallback: number) => {
  const error = `must be a whole number of ${what} from ${min} to ${max}`;
  return optional(
    z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }),
  ).transform((v) => v ?? fallback);
};

/** A claim name, or a dotted path into nested claims (realm_access.roles). */
const claimName = (fallback: string) =>
  optional(
    z.string().regex(/^[A-Za-z0-9_:/-]+(\.[A-Za-z0-9_:/-]+)*$/, {
      error: "must be a claim name or a dotted path such as realm_access.roles",
    }),
  ).transform((v) => v ?? fallback);

export const envSchema = z.object({
  DATABASE_URL: required(
    url(
      ["postgres:", "postgresql:"],
      "postgresql://airlock@127.0.0.1:5432/airlock",
      "is required: the Postgres URL of the Airlock database, e.g. postgresql://airlock@127.0.0.1:5432/airlock",
    ),
  ),
  REDIS_URL: optional(url(["redis:", "rediss:"], "redis://127.0.0.1:6379")).transform(
    (v) => v ?? "redis://127.0.0.1:6379",
  ),
  AIRLOCK_HTTP_HOST: host("127.0.0.1"),
  AIRLOCK_HTTP_PORT: port(8080),
  AIRLOCK_GRPC_HOST: host("127.0.0.1"),
  AIRLOCK_GRPC_PORT: port(8090),
  AIRLOCK_MASTER_KEY: required(masterKey),
  AIRLOCK_BOOTSTRAP_ADMIN_KEY: optional(
    z.string().regex(API_KEY_PATTERN, {
      error: "must be an API key of the form alk_key_<12 hex>_<43 base64url characters>",
    }),
  ),
  AIRLOCK_GRPC_TLS_CERT_FILE: optional(z.string()),
  AIRLOCK_GRPC_TLS_KEY_FILE: optional(z.string()),
  AIRLOCK_GRPC_TLS_CLIENT_CA_FILE: optional(z.string()),
  AIRLOCK_GRPC_INSECURE: boolean,
  AIRLOCK_GRPC_MAX_MESSAGE_BYTES: optional(
    z.coerce
      .number({ error: "must be a whole number of bytes from 65536 to 67108864" })
      .int({ error: "must be a whole number of bytes from 65536 to 67108864" })
      .min(65536, { error: "must be a whole number of bytes from 65536 to 67108864" })
      .max(64 * 1024 * 1024, { error: "must be a whole number of bytes from 65536 to 67108864" }),
  ).transform((v) => v ?? DEFAULT_GRPC_MAX_MESSAGE_BYTES),
  AIRLOCK_HEARTBEAT_INTERVAL_MS: optional(
    z.coerce
      .number({ error: "must be a whole number of milliseconds from 100 to 300000" })
      .int({ error: "must be a whole number of milliseconds from 100 to 300000" })
      .min(100, { error: "must be a whole number of milliseconds from 100 to 300000" })
      .max(300_000, { error: "must be a whole number of milliseconds from 100 to 300000" }),
  ).transform((v) => v ?? 5000),
  AIRLOCK_PG_MAX_FRAME_BYTES: optional(
    z.coerce
      .number({ error: "must be a whole number of bytes from 1048576 to 1073741824" })
      .int({ error: "must be a whole number of bytes from 1048576 to 1073741824" })
      .min(1024 * 1024, { error: "must be a whole number of bytes from 1048576 to 1073741824" })
      .max(1024 * 1024 * 1024, {
        error: "must be a whole number of bytes from 1048576 to 1073741824",
      }),
  ).transform((v) => v ?? 64 * 1024 * 1024),
  AIRLOCK_SESSION_OPEN_TIMEOUT_MS: optional(
    z.coerce
      .number({ error: "must be a whole number of milliseconds from 1000 to 300000" })
      .int({ error: "must be a whole number of milliseconds from 1000 to 300000" })
      .min(1000, { error: "must be a whole number of milliseconds from 1000 to 300000" })
      .max(300_000, { error: "must be a whole number of milliseconds from 1000 to 300000" }),
  ).transform((v) => v ?? 15_000),
  AIRLOCK_AUDIT_COMMIT: optional(
    z.enum(["sync", "async"], {
      error:
        'must be "sync" (command records wait for the store\'s WAL flush) or "async" (synchronous_commit off on the recording pool)',
    }),
  ).transform((v) => v ?? "sync"),
  AIRLOCK_LOG_LEVEL: optional(
    z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      error: "must be one of fatal, error, warn, info, debug, trace, silent",
    }),
  ).transform((v) => v ?? "info"),
  AIRLOCK_MIGRATIONS_DIR: optional(z.string()),
  AIRLOCK_REDIS_PREFIX: optional(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9:_-]{0,63}$/, {
      error: "must be 1 to 64 letters, digits, ':', '_' or '-', starting with a letter or digit",
    }),
  ).transform((v) => v ?? "airlock"),
  AIRLOCK_PUBLIC_URL: optional(url(["http:", "https:"], "https://airlock.example.com")),
  AIRLOCK_WEBHOOK_BACKOFF_MS: optional(
    z.coerce
      .number({ error: "must be a whole number of milliseconds from 10 to 600000" })
      .int({ error: "must be a whole number of milliseconds from 10 to 600000" })
      .min(10, { error: "must be a whole number of milliseconds from 10 to 600000" })
      .max(600_000, { error: "must be a whole number of milliseconds from 10 to 600000" }),
  ).transform((v) => v ?? 2000),
  AIRLOCK_RECORD_ROWS: optional(
    z.coerce
      .number({ error: "must be a whole number of rows from 0 to 100000" })
      .int({ error: "must be a whole number of rows from 0 to 100000" })
      .min(0, { error: "must be a whole number of rows from 0 to 100000" })
      .max(100_000, { error: "must be a whole number of rows from 0 to 100000" }),
  ).transform((v) => v ?? 100),
  AIRLOCK_RECORD_BYTES: optional(
    z.coerce
      .number({ error: "must be a whole number of bytes from 0 to 16777216" })
      .int({ error: "must be a whole number of bytes from 0 to 16777216" })
      .min(0, { error: "must be a whole number of bytes from 0 to 16777216" })
      .max(16 * 1024 * 1024, { error: "must be a whole number of bytes from 0 to 16777216" }),
  ).transform((v) => v ?? 65_536),
  AIRLOCK_MASK_VERIFY: optional(
    z.enum(["true", "false"], { error: 'must be "true" or "false"' }),
  ).transform((v) => v !== "false"),
  AIRLOCK_OIDC_ISSUER: optional(url(["https:", "http:"], "https://login.example.com/realms/acme")),
  AIRLOCK_OIDC_CLIENT_ID: optional(z.string().min(1)),
  AIRLOCK_OIDC_CLIENT_SECRET: optional(z.string().min(1)),
  AIRLOCK_OIDC_SCOPES: optional(
    z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, {
      error: 'must be scope names separated by single spaces, e.g. "openid profile email"',
    }),
  ).transform((v) => v ?? "openid profile email"),
  AIRLOCK_OIDC_GROUPS_CLAIM: claimName("groups"),
  AIRLOCK_OIDC_USERNAME_CLAIM: claimName("preferred_username"),
  AIRLOCK_OIDC_RECHECK_SECONDS: wholeNumber(1, 86_400, "seconds", 30),
  AIRLOCK_IDENTITY_SWEEP_MS: wholeNumber(100, 600_000, "milliseconds", 10_000),
  AIRLOCK_ACCESS_TOKEN_TTL_SECONDS: wholeNumber(10, 86_400, "seconds", 900),
  AIRLOCK_LOGIN_MAX_AGE_SECONDS: wholeNumber(60, 90 * 86_400, "seconds", 43_200),
  AIRLOCK_IDENTITY_MAPPING_FILE: optional(z.string()),
  AIRLOCK_AUDIT_CHECKPOINT_SECONDS: wholeNumber(1, 3600, "seconds", 10),
  // 0 keeps nothing past the next retention run.
  AIRLOCK_RETENTION_RESULT_ROWS_DAYS: wholeNumber(0, 36_500, "days", 30),
  AIRLOCK_RETENTION_COMMANDS_DAYS: wholeNumber(0, 36_500, "days", 365),
  AIRLOCK_RETENTION_AUDIT_DAYS: wholeNumber(0, 36_500, "days", 400),
  AIRLOCK_WEBHOOK_ATTEMPTS: optional(
    z.coerce
      .number({ error: "must be a whole number from 1 to 20" })
      .int({ error: "must be a whole number from 1 to 20" })
      .min(1, { error: "must be a whole number from 1 to 20" })
      .max(20, { error: "must be a whole number from 1 to 20" }),
  ).transform((v) => v ?? 6),
});

export type ParsedEnv = z.output<typeof envSchema>;
