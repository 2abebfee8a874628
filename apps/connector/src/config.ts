// The connector's configuration: one zod schema, parsed once at boot from the
// environment. Nothing else in the connector reads process.env, except
// credentials.ts, which resolves AIRLOCK_SECRET_* names for target credentials.
//
// Every message names the variable and the fix; no message ever echoes a value,
// because some of these values are secrets.

import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  /** Control plane gRPC address as `host:port` (grpc-js target syntax). */
  readonly controlPlane: string;
  /** Connector token (`alk_ctr_…`). Secret: never log it. */
  readonly token: string;
  /** PEM bundle to trust instead of the system roots; undefined = system roots. */
  readonly tlsCa: Buffer | undefined;
  readonly tlsCaFile: string | undefined;
  /** Plaintext gRPC. Only when AIRLOCK_INSECURE is exactly "true". */
  readonly insecure: boolean;
  readonly logLevel: LogLevel;
  readonly drainTimeoutMs: number;
  readonly reconnectBaseMs: number;
  readonly reconnectMaxMs: number;
  readonly hostname: string;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Values the environment cannot provide by itself (injected for tests). */
export interface ConfigDefaults {
  readonly hostname: string;
}

const TOKEN_CREATE_HINT = "create one with `airlock admin connectors token create <name>`";
const CONNECTOR_TOKEN = /^alk_ctr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;
const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?):(\d{1,5})$/;

/** Unset and empty variables mean the same thing: "use the default". */
const blankToUndefined = (value: unknown): unknown =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

function missing(what: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined ? `is not set; ${what}` : undefined;
}

const controlPlane = z.preprocess(
  blankToUndefined,
  z
    .string({
      error: missing(
        "set it to the control plane's gRPC address as host:port, e.g. 127.0.0.1:8090",
      ),
    })
    .superRefine((value, ctx) => {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
        ctx.addIssue({
          code: "custom",
          message:
            "must be host:port without a scheme (e.g. airlock.example.com:8090); TLS is on unless AIRLOCK_INSECURE=true",
        });
        return;
      }
      const match = HOST_PORT.exec(value);
      if (!match) {
        ctx.addIssue({
          code: "custom",
          message:
            "expected host:port, e.g. 127.0.0.1:8090, airlock.example.com:8090 or [::1]:8090",
        });
        return;
      }
      const port = Number(match[1]);
      if (port < 1 || port > 65535) {
        ctx.addIssue({ code: "custom", message: "the port must be an integer from 1 to 65535" });
      }
    }),
);

const token = z.preprocess(
  (value) => (value === "" ? undefined : value),
  z
    .string({ error: missing(`set it to this connector's token; ${TOKEN_CREATE_HINT}`) })
    .superRefine((value, ctx) => {
      if (value !== value.trim()) {
        ctx.addIssue({ code: "custom", message: "has leading or trailing whitespace; remove it" });
      } else if (value.startsWith("alk_key_")) {
        ctx.addIssue({
          code: "custom",
          message: `holds an API key, not a connector token (connector tokens start with alk_ctr_); ${TOKEN_CREATE_HINT}`,
        });
      } else if (!CONNECTOR_TOKEN.test(value)) {
        ctx.addIssue({
          code: "custom",
          message: `is not a connector token (expected alk_ctr_<12 hex>_<43 base64url characters>); copy the whole token, or ${TOKEN_CREATE_HINT}`,
        });
      }
    }),
);

const tlsCaFile = z.preprocess(
  blankToUndefined,
  z
    .string()
    .optional()
    .transform((path, ctx): { path: string; pem: Buffer } | undefined => {
      if (path === undefined) return undefined;
      let pem: Buffer;
      try {
        pem = readFileSync(path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
        ctx.addIssue({
          code: "custom",
          message: `cannot read ${path} (${code}); point it at the PEM file of the CA that signed the control plane's certificate, or unset it to use the system roots`,
        });
        return z.NEVER;
      }
      if (!pem.toString("utf8").includes("-----BEGIN CERTIFICATE-----")) {
        ctx.addIssue({
          code: "custom",
          message: `${path} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line); point it at the CA certificate in PEM format`,
        });
        return z.NEVER;
      }
      try {
        new X509Certificate(pem);
      } catch {
        ctx.addIssue({
          code: "custom",
          message: `${path} is not a valid PEM certificate; export the CA certificate again in PEM format`,
        });
        return z.NEVER;
      }
      return { path, pem };
    }),
);

const insecure = z.preprocess(
  blankToUndefined,
  z
    .enum(["true", "false"], {
      error: 'expected "true" (plaintext gRPC, for local development only) or "false"',
    })
    .optional()
    .transform((value) => value === "true"),
);

const logLevel = z.preprocess(
  blankToUndefined,
  z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(", ")}` }).default("info"),
);

function milliseconds(defaultMs: number, min: number, max: number) {
  const range = `an integer number of milliseconds from ${min} to ${max}`;
  return z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\d+$/, { error: `expected ${range}` })
      .transform(Number)
      .pipe(
        z
          .number()
          .int()
          .min(min, { error: `expected ${range}` })
          .max(max, { error: `expected ${range}` }),
      )
      .optional()
      .transform((value) => value ?? defaultMs),
  );
}

const hostname = z.preprocess(
  blankToUndefined,
  z
    .string()
    .max(253, { error: "must be at most 253 characters" })
    .regex(/^[\x21-\x7e]+$/, { error: "must be printable ASCII without spaces" })
    .optional(),
);

const schema = z
  .object({
    AIRLOCK_CONTROL_PLANE: controlPlane,
    AIRLOCK_CONNECTOR_TOKEN: token,
    AIRLOCK_TLS_CA_FILE: tlsCaFile,
    AIRLOCK_INSECURE: insecure,
    AIRLOCK_LOG_LEVEL: logLevel,
    AIRLOCK_DRAIN_TIMEOUT_MS: milliseconds(30_000, 0, 3_600_000),
    AIRLOCK_RECONNECT_BASE_MS: milliseconds(250, 10, 60_000),
    AIRLOCK_RECONNECT_MAX_MS: milliseconds(30_000, 100, 600_000),
    AIRLOCK_CONNECTOR_HOSTNAME: hostname,
  })
  .superRefine((env, ctx) => {
    if (env.AIRLOCK_INSECURE && env.AIRLOCK_TLS_CA_FILE) {
      ctx.addIssue({
        code: "custom",
        path: ["AIRLOCK_TLS_CA_FILE"],
        message: "is set but AIRLOCK_INSECURE=true turns TLS off; unset one of them",
      });
    }
    if (env.AIRLOCK_RECONNECT_BASE_MS > env.AIRLOCK_RECONNECT_MAX_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["AIRLOCK_RECONNECT_BASE_MS"],
        message: "is larger than AIRLOCK_RECONNECT_MAX_MS; lower it or raise the maximum",
      });
    }
  });

/**
 * Parses the connector's environment. Pure apart from reading the CA file.
 * Each problem is `VAR: what is wrong and how to fix it`, without the value.
 */
export function parseConfig(env: NodeJS.ProcessEnv, defaults: ConfigDefaults): ConfigResult {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${String(issue.path[0] ?? "environment")}: ${issue.message}`,
    );
    return { ok: false, problems: [...new Set(problems)] };
  }
  const v = result.data;
  return {
    ok: true,
    config: {
      controlPlane: v.AIRLOCK_CONTROL_PLANE,
      token: v.AIRLOCK_CONNECTOR_TOKEN,
      tlsCa: v.AIRLOCK_TLS_CA_FILE?.pem,
      tlsCaFile: v.AIRLOCK_TLS_CA_FILE?.path,
      insecure: v.AIRLOCK_INSECURE,
      logLevel: v.AIRLOCK_LOG_LEVEL,
      drainTimeoutMs: v.AIRLOCK_DRAIN_TIMEOUT_MS,
      reconnectBaseMs: v.AIRLOCK_RECONNECT_BASE_MS,
      reconnectMaxMs: v.AIRLOCK_RECONNECT_MAX_MS,
      hostname: v.AIRLOCK_CONNECTOR_HOSTNAME ?? defaults.hostname,
    },
  };
}
