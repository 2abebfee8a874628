// The settings of one Postgres session, read once from the open_session target:
// where to dial, how to secure it (sslmode and friends, like libpq's), and what
// to send in the StartupMessage. Anything wrong is an INVALID_INPUT SessionError
// that names the setting to fix.

import { X509Certificate } from "node:crypto";
import { CloseCode, type TargetSpec } from "@airlock/proto";
import { SessionError } from "../session-error";

export const SSL_MODES = ["disable", "prefer", "require", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

export const DEFAULT_SSL_MODE: SslMode = "prefer";

export interface TlsSettings {
  readonly mode: SslMode;
  /** PEM of the CA(s) that verify-full trusts; absent means the system roots. */
  readonly rootCert: string | undefined;
  /** The name the server certificate must carry (verify-full) and the SNI sent. */
  readonly serverName: string;
}

export interface PostgresTarget {
  readonly host: string;
  readonly port: number;
  readonly tls: TlsSettings;
}

/** The client's parameters that never pass: the connection sets these, or they are refused. */
const RESERVED_PARAMETERS = new Set(["user", "database", "replication"]);

export function readTarget(spec: TargetSpec): PostgresTarget {
  const { host, port } = spec;
  if (host === "") {
    throw invalid("the connection has no target host; set its host");
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalid(
      `the connection's target port ${port} is not an integer from 1 to 65535; fix its port`,
    );
  }
  return { host, port, tls: readTls(spec.options, host) };
}

function readTls(options: Readonly<Record<string, string>>, host: string): TlsSettings {
  const raw = options["sslmode"];
  const mode = raw === undefined || raw === "" ? DEFAULT_SSL_MODE : raw;
  if (!isSslMode(mode)) {
    throw invalid(
      `the connection's sslmode ${JSON.stringify(mode.slice(0, 40))} is not one of ${SSL_MODES.join(", ")}; fix its sslmode option`,
    );
  }
  const rootCert = nonEmpty(options["sslrootcert"]);
  if (rootCert !== undefined) checkPem(rootCert);
  const serverName = nonEmpty(options["sslservername"]) ?? host;
  return { mode, rootCert, serverName };
}

function isSslMode(value: string): value is SslMode {
  return (SSL_MODES as readonly string[]).includes(value);
}

function checkPem(pem: string): void {
  try {
    new X509Certificate(pem);
  } catch {
    throw invalid(
      "the connection's sslrootcert is not a PEM certificate; paste the CA certificate (-----BEGIN CERTIFICATE----- …) into its sslrootcert option",
    );
  }
}

/** The StartupMessage parameters: the connection's user and database, then the client's. */
export function startupParameters(
  spec: TargetSpec,
  clientParameters: Readonly<Record<string, string>>,
): Record<string, string> {
  if (spec.username === "") {
    throw invalid("the connection names no user; set the connection's username");
  }
  const database = spec.database || clientParameters["database"] || "";
  if (database === "") {
    throw invalid(
      "the connection names no database; set the connection's database (or have the client name one)",
    );
  }
  const params: Record<string, string> = { user: spec.username, database };
  for (const [name, value] of Object.entries(clientParameters)) {
    // `_pq_.*` are protocol extensions between the client and Airlock, not settings.
    if (RESERVED_PARAMETERS.has(name) || name.startsWith("_pq_.")) continue;
    if (name === "" || name.includes("\0") || value.includes("\0")) {
      throw invalid(
        `the client's startup parameter ${JSON.stringify(name.slice(0, 40))} holds a NUL byte or is unnamed; remove it from the client's connection settings`,
      );
    }
    params[name] = value;
  }
  return params;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function invalid(message: string): SessionError {
  return new SessionError(CloseCode.CLOSE_CODE_INVALID_INPUT, message);
}
