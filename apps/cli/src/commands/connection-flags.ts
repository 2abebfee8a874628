import { InvalidArgumentError } from "commander";
import { UsageError } from "../errors";
import type {
  ConnectionInput,
  ConnectionOptionsInput,
  ConnectionPatch,
  CredentialInput,
  SslMode,
} from "../http/schemas";

/** The flags of `admin connections create|update`, as commander hands them over. */
export interface ConnectionFlags {
  name?: string;
  type?: string;
  connector?: string;
  host?: string;
  port?: number;
  database?: string;
  username?: string;
  tag?: string[];
  clearTags?: boolean;
  clearDatabase?: boolean;
  clearUsername?: boolean;
  passwordStdin?: boolean;
  passwordFromEnv?: string;
  passwordEnvRef?: string;
  /** false when `--no-credential` was given (commander's negatable option). */
  credential?: boolean;
  /** Hidden trap for `--password <value>`, which is refused. */
  password?: string;
  sslmode?: string;
  /** A path: the command reads the PEM and sends its text. */
  sslrootcertFile?: string;
  sslservername?: string;
}

export const SSL_MODES: readonly SslMode[] = ["disable", "prefer", "require", "verify-full"];

/** How the credential will be obtained, decided from the flags alone. */
export type CredentialPlan =
  | { kind: "none" }
  | { kind: "connector-env"; envRef: string }
  | { kind: "password-stdin" }
  | { kind: "password-from-env"; variable: string };

const DEFAULT_PORT: Readonly<Record<ConnectionInput["type"], number>> = { postgres: 5432 };

/** The connector resolves only these names, so a connection cannot exfiltrate its own token. */
export const CONNECTOR_ENV_PREFIX = "AIRLOCK_SECRET_";

/** At most one credential flag; a password is never taken as a flag value. Undefined: no change / server default. */
export function planCredential(flags: ConnectionFlags): CredentialPlan | undefined {
  if (flags.password !== undefined) {
    throw new UsageError(
      "--password is not accepted: a password on the command line ends up in shell history and ps; " +
        "use --password-stdin, --password-from-env <VAR> or --password-env-ref AIRLOCK_SECRET_…",
    );
  }
  const plans: Array<[flag: string, plan: CredentialPlan]> = [];
  if (flags.passwordStdin === true) plans.push(["--password-stdin", { kind: "password-stdin" }]);
  if (flags.passwordFromEnv !== undefined) {
    plans.push([
      "--password-from-env",
      { kind: "password-from-env", variable: flags.passwordFromEnv },
    ]);
  }
  if (flags.passwordEnvRef !== undefined) {
    plans.push([
      "--password-env-ref",
      { kind: "connector-env", envRef: checkEnvRef(flags.passwordEnvRef) },
    ]);
  }
  if (flags.credential === false) plans.push(["--no-credential", { kind: "none" }]);
  if (plans.length > 1) {
    throw new UsageError(
      `choose one credential option, not ${plans.map(([flag]) => flag).join(" and ")}`,
    );
  }
  return plans[0]?.[1];
}

function checkEnvRef(envRef: string): string {
  if (
    !envRef.startsWith(CONNECTOR_ENV_PREFIX) ||
    !/^[A-Z0-9_]+$/.test(envRef) ||
    envRef === CONNECTOR_ENV_PREFIX
  ) {
    throw new UsageError(
      `--password-env-ref must name an environment variable like ${CONNECTOR_ENV_PREFIX}PG_PROD ` +
        `(uppercase letters, digits and _, starting with ${CONNECTOR_ENV_PREFIX}; the connector resolves no other names), got "${envRef}"`,
    );
  }
  return envRef;
}

/**
 * The request body for `connections create`. Required flags are checked again here so the
 * mapping stands on its own; the port defaults to the type's usual port.
 */
export function createConnectionBody(
  flags: ConnectionFlags,
  credential: CredentialInput | undefined,
  sslrootcert?: string,
): ConnectionInput {
  const missing = (["name", "connector", "host"] as const).filter(
    (key) => flags[key] === undefined,
  );
  if (missing.length > 0) {
    throw new UsageError(`missing ${missing.map((key) => `--${key}`).join(", ")}`);
  }
  const type = connectionType(flags.type ?? "postgres");
  const body: ConnectionInput = {
    name: flags.name as string,
    type,
    connector: flags.connector as string,
    host: flags.host as string,
    port: flags.port ?? DEFAULT_PORT[type],
  };
  return withOptionalFields(body, flags, credential, sslrootcert);
}

/** The PATCH body for `connections update`: only what the flags change. */
export function updateConnectionBody(
  flags: ConnectionFlags,
  credential: CredentialInput | undefined,
  sslrootcert?: string,
): ConnectionPatch {
  refuseBoth(
    flags.clearTags === true,
    flags.tag !== undefined && flags.tag.length > 0,
    "--clear-tags",
    "--tag",
  );
  refuseBoth(
    flags.clearDatabase === true,
    flags.database !== undefined,
    "--clear-database",
    "--database",
  );
  refuseBoth(
    flags.clearUsername === true,
    flags.username !== undefined,
    "--clear-username",
    "--username",
  );
  const patch: ConnectionPatch = {};
  if (flags.name !== undefined) patch.name = flags.name;
  if (flags.type !== undefined) patch.type = connectionType(flags.type);
  if (flags.connector !== undefined) patch.connector = flags.connector;
  if (flags.host !== undefined) patch.host = flags.host;
  if (flags.port !== undefined) patch.port = flags.port;
  if (flags.clearTags === true) patch.tags = {};
  if (flags.clearDatabase === true) patch.database = null;
  if (flags.clearUsername === true) patch.username = null;
  const result = withOptionalFields(patch, flags, credential, sslrootcert);
  if (Object.keys(result).length === 0) {
    throw new UsageError(
      "nothing to update: pass at least one of --name, --connector, --host, --port, --database, --username, " +
        "--tag, --sslmode, --sslrootcert-file, --sslservername, a --clear-… flag or a credential option",
    );
  }
  return result;
}

function refuseBoth(a: boolean, b: boolean, flagA: string, flagB: string): void {
  if (a && b) throw new UsageError(`choose ${flagA} or ${flagB}, not both`);
}

function withOptionalFields<T extends ConnectionPatch>(
  body: T,
  flags: ConnectionFlags,
  credential: CredentialInput | undefined,
  sslrootcert: string | undefined,
): T {
  const result: T = { ...body };
  if (flags.database !== undefined) result.database = flags.database;
  if (flags.username !== undefined) result.username = flags.username;
  if (flags.tag !== undefined && flags.tag.length > 0) result.tags = parseTags(flags.tag);
  if (credential !== undefined) result.credential = credential;
  const options = connectionOptions(flags, sslrootcert);
  if (options !== undefined) result.options = options;
  return result;
}

/**
 * The TLS options the flags set, or undefined when none is given (create: the server's
 * default, sslmode prefer; update: unchanged — the server merges options key by key).
 * `sslrootcert` is the text of the --sslrootcert-file, read by the command.
 */
export function connectionOptions(
  flags: ConnectionFlags,
  sslrootcert: string | undefined,
): ConnectionOptionsInput | undefined {
  if (flags.sslrootcertFile !== undefined && sslrootcert === undefined) {
    throw new Error("--sslrootcert-file was given but its content was not read");
  }
  const options: ConnectionOptionsInput = {};
  if (flags.sslmode !== undefined) options.sslmode = sslMode(flags.sslmode);
  if (sslrootcert !== undefined) options.sslrootcert = sslrootcert;
  if (flags.sslservername !== undefined) options.sslservername = flags.sslservername;
  return Object.keys(options).length === 0 ? undefined : options;
}

function sslMode(value: string): SslMode {
  const mode = SSL_MODES.find((m) => m === value);
  if (mode === undefined) {
    throw new UsageError(`invalid --sslmode "${value}": expected one of ${SSL_MODES.join(", ")}`);
  }
  return mode;
}

/**
 * Checks the text of --sslrootcert-file before it is sent: PEM certificates only, never a
 * private key (which the server would store and show). The server parses the certificates.
 */
export function checkRootCertFile(text: string, file: string): string {
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
    throw new UsageError(
      `--sslrootcert-file ${file} holds a private key; give the file with only the CA certificate(s)`,
    );
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new UsageError(
      `--sslrootcert-file ${file} is not a PEM certificate file (no "-----BEGIN CERTIFICATE-----" line)`,
    );
  }
  return text;
}

function connectionType(type: string): ConnectionInput["type"] {
  if (type !== "postgres")
    throw new UsageError(`unsupported --type "${type}": only postgres for now`);
  return type;
}

/** `env=prod`, repeated; a value may contain "=", a key may not repeat. */
export function parseTags(pairs: readonly string[]): Record<string, string> {
  const tags = new Map<string, string>();
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    const key = at < 0 ? "" : pair.slice(0, at).trim();
    if (key === "")
      throw new UsageError(`invalid --tag "${pair}": expected key=value, e.g. --tag env=prod`);
    if (tags.has(key)) throw new UsageError(`--tag ${key} is given twice`);
    tags.set(key, pair.slice(at + 1).trim());
  }
  // fromEntries defines own properties, so even a "__proto__" key stays plain data.
  return Object.fromEntries(tags);
}

/** commander argument parser for `--port`. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError("expected an integer from 1 to 65535.");
  }
  return port;
}

/** commander collector for repeatable options. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
