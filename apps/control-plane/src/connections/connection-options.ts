// A postgres connection's engine settings (docs/design/0002-postgres-path.md,
// "Connection options"): how the connector secures its connection to the target.
// Stored in the `options` JSON column, sent to the connector in TargetSpec.options.

export const SSL_MODES = ["disable", "prefer", "require", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];
export const DEFAULT_SSL_MODE: SslMode = "prefer";

export interface PostgresOptions {
  sslmode: SslMode;
  /** PEM of the CA(s) to trust; null means the connector's system roots. */
  sslrootcert: string | null;
  /** The name the target's certificate must carry (and the SNI); null means the host. */
  sslservername: string | null;
}

/** A PATCH: given keys replace, `null` clears, absent keys stay. */
export interface PostgresOptionsPatch {
  sslmode?: SslMode | undefined;
  sslrootcert?: string | null | undefined;
  sslservername?: string | null | undefined;
}

export const DEFAULT_OPTIONS: PostgresOptions = {
  sslmode: DEFAULT_SSL_MODE,
  sslrootcert: null,
  sslservername: null,
};

/**
 * The options of a stored row. They are written only through the API schema; a row
 * from before options existed (`{}`) reads as the defaults.
 */
export function optionsOf(value: unknown): PostgresOptions {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return DEFAULT_OPTIONS;
  const { sslmode, sslrootcert, sslservername } = value as Record<string, unknown>;
  return {
    sslmode: isSslMode(sslmode) ? sslmode : DEFAULT_SSL_MODE,
    sslrootcert: typeof sslrootcert === "string" ? sslrootcert : null,
    sslservername: typeof sslservername === "string" ? sslservername : null,
  };
}

export function mergeOptions(
  current: PostgresOptions,
  patch: PostgresOptionsPatch,
): PostgresOptions {
  return {
    sslmode: patch.sslmode ?? current.sslmode,
    sslrootcert: patch.sslrootcert === undefined ? current.sslrootcert : patch.sslrootcert,
    sslservername: patch.sslservername === undefined ? current.sslservername : patch.sslservername,
  };
}

/** What the column holds: the set keys only. */
export function storedOptions(options: PostgresOptions): Record<string, string> {
  return targetOptions(options);
}

/** TargetSpec.options for the connector: sslmode always, the others when set. */
export function targetOptions(options: PostgresOptions): Record<string, string> {
  const out: Record<string, string> = { sslmode: options.sslmode };
  if (options.sslrootcert !== null) out["sslrootcert"] = options.sslrootcert;
  if (options.sslservername !== null) out["sslservername"] = options.sslservername;
  return out;
}

function isSslMode(value: unknown): value is SslMode {
  return typeof value === "string" && (SSL_MODES as readonly string[]).includes(value);
}
