// The structured log: pino JSON on stdout. Two nets keep secrets out of it:
// redaction of fields by name, and scrubbing of token- and DSN-shaped text in
// messages and error stacks. Request bodies, tokens, DSNs and credentials are
// never passed to the logger in the first place; these nets catch mistakes.
import {
  type DestinationStream,
  destination,
  type Logger,
  pino,
  stdSerializers,
  stdTimeFunctions,
} from "pino";
import type { LogLevel } from "../config/config.types";
import { scrubSecrets } from "./scrub";

const SECRET_KEYS = [
  "password",
  "passwd",
  "token",
  "authorization",
  "secret",
  "secretHash",
  "credential",
  "credentialCiphertext",
  "key",
  "apiKey",
  "masterKey",
  "databaseUrl",
  "redisUrl",
  "dsn",
  "connectionString",
  "cookie",
];

const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers["authorization"]',
  'headers["authorization"]',
];

export function createRootLogger(level: LogLevel, dest?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "control-plane" },
      timestamp: stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: scrubbedError, error: scrubbedError },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) =>
            typeof a === "string" ? scrubSecrets(a) : a,
          ) as typeof args;
          method.apply(this, scrubbed);
        },
      },
    },
    dest ?? destination({ dest: 1, sync: true }),
  );
}

function scrubbedError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const serialized = stdSerializers.err(err);
  return {
    ...serialized,
    message: scrubSecrets(serialized.message),
    stack: scrubSecrets(serialized.stack),
  };
}
