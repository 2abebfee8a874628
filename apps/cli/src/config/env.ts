import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { z } from "zod";

/**
 * The only place the CLI reads its environment. Everything else receives a `CliEnv`.
 * Empty variables count as unset, so `AIRLOCK_URL= airlock …` in CI behaves like no variable.
 */
const optionalString = z.preprocess(
  (value) => (value === "" ? undefined : value),
  z.string().optional(),
);

const EnvSchema = z.object({
  AIRLOCK_URL: optionalString,
  AIRLOCK_API_KEY: optionalString,
  AIRLOCK_PROFILE: optionalString,
  AIRLOCK_CONFIG: optionalString,
  AIRLOCK_DEBUG: optionalString,
  AIRLOCK_GRPC_ADDRESS: optionalString,
  AIRLOCK_GRPC_INSECURE: optionalString,
  AIRLOCK_GRPC_CA_FILE: optionalString,
  AIRLOCK_BROWSER: optionalString,
  XDG_CONFIG_HOME: optionalString,
  HOME: optionalString,
});

export interface CliEnv {
  /** Control plane URL from AIRLOCK_URL; takes precedence over the profile's URL. */
  readonly url: string | undefined;
  /** API key from AIRLOCK_API_KEY; takes precedence over the profile's key. */
  readonly apiKey: string | undefined;
  /** Profile from AIRLOCK_PROFILE, used when --profile is not given. */
  readonly profile: string | undefined;
  /** Absolute path of the config file. */
  readonly configPath: string;
  /** True when the path came from AIRLOCK_CONFIG (then the CLI does not own its directory). */
  readonly configPathIsCustom: boolean;
  /** AIRLOCK_DEBUG=1: print stacks with errors. */
  readonly debug: boolean;
  /** AIRLOCK_GRPC_ADDRESS (`host:port`); takes precedence over the profile's gRPC address. */
  readonly grpcAddress: string | undefined;
  /**
   * AIRLOCK_GRPC_INSECURE: true/false forces plaintext gRPC or TLS; unset leaves it to the
   * profile (or the default). Any other value is kept as given so that the CLI can name it.
   */
  readonly grpcInsecure: boolean | string | undefined;
  /** AIRLOCK_GRPC_CA_FILE: a PEM file of CA certificates to trust for the gRPC TLS connection. */
  readonly grpcCaFile: string | undefined;
  /**
   * AIRLOCK_BROWSER: the command `airlock login` opens its URL with (the URL is appended as
   * the last argument); `none` opens nothing. Unset: the platform's opener.
   */
  readonly browser: string | undefined;
  /**
   * Reads one named variable, for `--password-from-env VAR`. Kept here so that this module
   * stays the only reader of the environment.
   */
  lookup(name: string): string | undefined;
}

export function readCliEnv(source: NodeJS.ProcessEnv = process.env): CliEnv {
  const env = EnvSchema.parse(source);
  const custom = env.AIRLOCK_CONFIG;
  return {
    url: env.AIRLOCK_URL,
    apiKey: env.AIRLOCK_API_KEY?.trim(),
    profile: env.AIRLOCK_PROFILE,
    configPath: custom ?? defaultConfigPath(env.XDG_CONFIG_HOME, env.HOME),
    configPathIsCustom: custom !== undefined,
    debug: isTrue(env.AIRLOCK_DEBUG),
    grpcAddress: env.AIRLOCK_GRPC_ADDRESS?.trim(),
    grpcInsecure: booleanOrRaw(env.AIRLOCK_GRPC_INSECURE),
    grpcCaFile: env.AIRLOCK_GRPC_CA_FILE,
    browser: env.AIRLOCK_BROWSER?.trim(),
    lookup: (name) => {
      const value = source[name];
      return value === "" ? undefined : value;
    },
  };
}

function isTrue(value: string | undefined): boolean {
  return ["1", "true", "yes"].includes((value ?? "").toLowerCase());
}

function booleanOrRaw(value: string | undefined): boolean | string | undefined {
  if (value === undefined) return undefined;
  const lower = value.trim().toLowerCase();
  if (["1", "true", "yes"].includes(lower)) return true;
  if (["0", "false", "no"].includes(lower)) return false;
  return value;
}

/** `$XDG_CONFIG_HOME/airlock/config.json`, else `~/.config/airlock/config.json`. */
export function defaultConfigPath(
  xdgConfigHome: string | undefined,
  home: string | undefined,
): string {
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (xdgConfigHome !== undefined && isAbsolute(xdgConfigHome)) {
    return join(xdgConfigHome, "airlock", "config.json");
  }
  return join(home ?? homedir(), ".config", "airlock", "config.json");
}
