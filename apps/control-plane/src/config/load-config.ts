// Parses the environment once at boot. Problems come back as one line each,
// naming the variable and the fix, never its value.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { z } from "zod";
import { envSchema, type ParsedEnv } from "./config.schema";
import type { AppConfig, GrpcTlsConfig, OidcConfig } from "./config.types";
import {
  DEFAULT_MAPPING,
  type IdentityMapping,
  parseMapping,
} from "../identity/mapping/identity-mapping";

export type ConfigResult = { ok: true; config: AppConfig } | { ok: false; problems: string[] };

export function loadConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map(describeIssue);
  // The TLS files are checked even when other variables are wrong: one run lists every problem.
  const tls = loadTls(tlsSettings(env), problems);
  const mapping = loadMapping(env["AIRLOCK_IDENTITY_MAPPING_FILE"], problems);
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  const oidc = oidcSettings(parsed.data, problems);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: toConfig(parsed.data, tls, oidc, mapping) };
}

/** Prints the problems to stderr and exits 1; returns the config otherwise. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv): AppConfig {
  const result = loadConfig(env);
  if (result.ok) return result.config;
  for (const problem of result.problems) process.stderr.write(`config: ${problem}\n`);
  process.exit(1);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const variable = issue.path.map(String).join(".") || "environment";
  return `${variable}: ${issue.message}`;
}

interface TlsSettings {
  certFile: string | undefined;
  keyFile: string | undefined;
  caFile: string | undefined;
  insecure: boolean;
}

function tlsSettings(env: NodeJS.ProcessEnv): TlsSettings {
  const value = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === "" ? undefined : v;
  };
  return {
    certFile: value("AIRLOCK_GRPC_TLS_CERT_FILE"),
    keyFile: value("AIRLOCK_GRPC_TLS_KEY_FILE"),
    caFile: value("AIRLOCK_GRPC_TLS_CLIENT_CA_FILE"),
    insecure: value("AIRLOCK_GRPC_INSECURE") === "true",
  };
}

function loadTls(
  { certFile, keyFile, caFile, insecure }: TlsSettings,
  problems: string[],
): GrpcTlsConfig | null {
  if (certFile === undefined && keyFile === undefined) {
    if (caFile !== undefined) {
      problems.push(
        "AIRLOCK_GRPC_TLS_CLIENT_CA_FILE: needs AIRLOCK_GRPC_TLS_CERT_FILE and AIRLOCK_GRPC_TLS_KEY_FILE as well (client certificates are checked only over TLS)",
      );
    } else if (!insecure) {
      problems.push(
        "AIRLOCK_GRPC_TLS_CERT_FILE: the gRPC port needs TLS: set AIRLOCK_GRPC_TLS_CERT_FILE and AIRLOCK_GRPC_TLS_KEY_FILE to PEM files, or set AIRLOCK_GRPC_INSECURE=true to serve plaintext (development only)",
      );
    }
    return null;
  }
  if (certFile === undefined || keyFile === undefined) {
    const missing =
      certFile === undefined ? "AIRLOCK_GRPC_TLS_CERT_FILE" : "AIRLOCK_GRPC_TLS_KEY_FILE";
    problems.push(
      `${missing}: must be set together with ${missing === "AIRLOCK_GRPC_TLS_CERT_FILE" ? "AIRLOCK_GRPC_TLS_KEY_FILE" : "AIRLOCK_GRPC_TLS_CERT_FILE"} (a PEM file)`,
    );
    return null;
  }
  const cert = readPem("AIRLOCK_GRPC_TLS_CERT_FILE", certFile, problems);
  const key = readPem("AIRLOCK_GRPC_TLS_KEY_FILE", keyFile, problems);
  const clientCa =
    caFile === undefined ? null : readPem("AIRLOCK_GRPC_TLS_CLIENT_CA_FILE", caFile, problems);
  if (cert === null || key === null || (caFile !== undefined && clientCa === null)) return null;
  return { cert, key, clientCa };
}

function loadMapping(file: string | undefined, problems: string[]): IdentityMapping {
  if (file === undefined || file === "") return DEFAULT_MAPPING;
  let text: string;
  try {
    text = readFileSync(path.resolve(file), "utf8");
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    problems.push(
      `AIRLOCK_IDENTITY_MAPPING_FILE: cannot read ${file} (${typeof code === "string" ? code : "unreadable"})`,
    );
    return DEFAULT_MAPPING;
  }
  const parsed = parseMapping(text, file);
  if (parsed.ok) return parsed.mapping;
  for (const problem of parsed.problems)
    problems.push(`AIRLOCK_IDENTITY_MAPPING_FILE: ${file}: ${problem}`);
  return DEFAULT_MAPPING;
}

/** OIDC is on when the issuer is set; the client id and secret must then be set too. */
function oidcSettings(env: ParsedEnv, problems: string[]): OidcConfig | null {
  const issuer = env.AIRLOCK_OIDC_ISSUER;
  if (issuer === undefined) {
    for (const name of ["AIRLOCK_OIDC_CLIENT_ID", "AIRLOCK_OIDC_CLIENT_SECRET"] as const) {
      if (env[name] !== undefined)
        problems.push(`${name}: is set but AIRLOCK_OIDC_ISSUER is not; set the issuer too`);
    }
    return null;
  }
  if (env.AIRLOCK_OIDC_CLIENT_ID === undefined)
    problems.push("AIRLOCK_OIDC_CLIENT_ID: is required when AIRLOCK_OIDC_ISSUER is set");
  if (env.AIRLOCK_OIDC_CLIENT_SECRET === undefined)
    problems.push("AIRLOCK_OIDC_CLIENT_SECRET: is required when AIRLOCK_OIDC_ISSUER is set");
  if (env.AIRLOCK_OIDC_CLIENT_ID === undefined || env.AIRLOCK_OIDC_CLIENT_SECRET === undefined)
    return null;
  const scopes = env.AIRLOCK_OIDC_SCOPES.split(" ");
  if (!scopes.includes("openid")) scopes.unshift("openid");
  return {
    issuer,
    clientId: env.AIRLOCK_OIDC_CLIENT_ID,
    clientSecret: env.AIRLOCK_OIDC_CLIENT_SECRET,
    scopes,
    groupsClaim: env.AIRLOCK_OIDC_GROUPS_CLAIM,
    usernameClaim: env.AIRLOCK_OIDC_USERNAME_CLAIM,
    recheckSeconds: env.AIRLOCK_OIDC_RECHECK_SECONDS,
  };
}

function readPem(variable: string, file: string, problems: string[]): Buffer | null {
  try {
    const content = readFileSync(path.resolve(file));
    if (!content.includes("-----BEGIN ")) {
      problems.push(`${variable}: ${file} is not a PEM file (no "-----BEGIN" line)`);
      return null;
    }
    return content;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    problems.push(
      `${variable}: cannot read ${file} (${typeof code === "string" ? code : "unreadable"})`,
    );
    return null;
  }
}

function toConfig(
  env: ParsedEnv,
  tls: GrpcTlsConfig | null,
  oidc: OidcConfig | null,
  identityMapping: IdentityMapping,
): AppConfig {
  return {
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    http: { host: env.AIRLOCK_HTTP_HOST, port: env.AIRLOCK_HTTP_PORT },
    grpc: {
      host: env.AIRLOCK_GRPC_HOST,
      port: env.AIRLOCK_GRPC_PORT,
      tls,
      maxMessageBytes: env.AIRLOCK_GRPC_MAX_MESSAGE_BYTES,
    },
    masterKey: env.AIRLOCK_MASTER_KEY,
    bootstrapAdminKey: env.AIRLOCK_BOOTSTRAP_ADMIN_KEY ?? null,
    heartbeatIntervalMs: env.AIRLOCK_HEARTBEAT_INTERVAL_MS,
    postgres: { maxFrameBytes: env.AIRLOCK_PG_MAX_FRAME_BYTES },
    auditCommit: env.AIRLOCK_AUDIT_COMMIT,
    sessionOpenTimeoutMs: env.AIRLOCK_SESSION_OPEN_TIMEOUT_MS,
    logLevel: env.AIRLOCK_LOG_LEVEL,
    migrationsDir:
      env.AIRLOCK_MIGRATIONS_DIR === undefined ? null : path.resolve(env.AIRLOCK_MIGRATIONS_DIR),
    redisPrefix: env.AIRLOCK_REDIS_PREFIX,
    publicUrl: (
      env.AIRLOCK_PUBLIC_URL ?? `http://${env.AIRLOCK_HTTP_HOST}:${env.AIRLOCK_HTTP_PORT}`
    ).replace(/\/+$/, ""),
    recordResults: { rows: env.AIRLOCK_RECORD_ROWS, bytes: env.AIRLOCK_RECORD_BYTES },
    maskVerify: env.AIRLOCK_MASK_VERIFY,
    webhooks: { backoffMs: env.AIRLOCK_WEBHOOK_BACKOFF_MS, attempts: env.AIRLOCK_WEBHOOK_ATTEMPTS },
    oidc,
    tokens: {
      accessTokenTtlSeconds: env.AIRLOCK_ACCESS_TOKEN_TTL_SECONDS,
      loginMaxAgeSeconds: env.AIRLOCK_LOGIN_MAX_AGE_SECONDS,
      identitySweepMs: env.AIRLOCK_IDENTITY_SWEEP_MS,
    },
    identityMapping,
    audit: {
      checkpointSeconds: env.AIRLOCK_AUDIT_CHECKPOINT_SECONDS,
      retention: {
        resultRowsDays: env.AIRLOCK_RETENTION_RESULT_ROWS_DAYS,
        commandsDays: env.AIRLOCK_RETENTION_COMMANDS_DAYS,
        auditDays: env.AIRLOCK_RETENTION_AUDIT_DAYS,
      },
    },
  };
}
