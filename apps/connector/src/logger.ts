// Structured JSON logs on stdout. Redaction is a safety net: the code never puts
// the connector token, an attach token or a target credential in a log call.

import pino from "pino";
import type { LogLevel } from "./config";

export type Logger = pino.Logger;

const SECRET_KEYS = ["token", "password", "authorization", "credential", "attachToken", "secret"];

/** `key`, `*.key` and `*.*.key` for every secret-bearing key name. */
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => [
  key,
  `*.${key}`,
  `*.*.${key}`,
]);

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: "airlock-connector" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
  };
  return destination ? pino(options, destination) : pino(options);
}
