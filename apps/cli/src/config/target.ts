import { ConfigError, NotLoggedInError, UsageError } from "../errors";
import { type ConfigFile, PROFILE_NAME, type StoredLogin, storedLogin } from "./config-file";
import type { CliEnv } from "./env";
import { type GrpcTarget, resolveGrpcTarget } from "./grpc-target";

export const DEFAULT_URL = "http://127.0.0.1:8080";

/**
 * What authenticates the CLI: an API key, or the tokens of an OIDC login (whose access token
 * may be stale: `credentialsFor` in context.ts refreshes it before use).
 */
export type TargetCredential =
  | { readonly kind: "api_key"; readonly apiKey: string }
  | { readonly kind: "login"; readonly login: StoredLogin };

/** Where the CLI sends requests and with which credential, and where each came from. */
export interface Target {
  readonly url: string;
  readonly credential: TargetCredential;
  readonly profile: string;
  readonly urlFrom: "AIRLOCK_URL" | "profile" | "default";
  /** AIRLOCK_API_KEY (always an API key) or the profile (an API key or a login). */
  readonly credentialFrom: "AIRLOCK_API_KEY" | "profile";
  /** The gRPC side (ClientGateway) used by `connect` and `exec`. */
  readonly grpc: GrpcTarget;
}

/** `--profile` beats AIRLOCK_PROFILE beats the file's `current` beats "default". */
export function selectProfile(
  env: CliEnv,
  profileFlag: string | undefined,
  config: () => ConfigFile,
): string {
  const explicit = profileFlag ?? env.profile;
  if (explicit !== undefined) return checkProfileName(explicit);
  return config().current ?? "default";
}

export function checkProfileName(name: string): string {
  if (!PROFILE_NAME.test(name)) {
    throw new UsageError(
      `invalid profile name "${name}": use letters, digits, ".", "_" and "-" (up to 63 characters)`,
    );
  }
  return name;
}

/**
 * Environment first (AIRLOCK_URL, AIRLOCK_API_KEY), then the selected profile: its API key,
 * else its login tokens (a profile has one or the other; a file an older CLI edited may have
 * both, and then the key, the newer of the two, wins). The config file
 * is read only when the environment does not supply both, so agents and CI that set the
 * variables are not affected by a missing or broken file.
 */
export function resolveTarget(
  env: CliEnv,
  profileFlag: string | undefined,
  readConfig: () => ConfigFile,
): Target {
  let cached: ConfigFile | undefined;
  const config = (): ConfigFile => (cached ??= readConfig());
  const needsFile = env.url === undefined || env.apiKey === undefined;
  const profile = needsFile
    ? selectProfile(env, profileFlag, config)
    : checkProfileName(profileFlag ?? env.profile ?? "default");
  const stored = needsFile ? config().profiles[profile] : undefined;

  const apiKey = env.apiKey ?? stored?.apiKey;
  const login = storedLogin(stored);
  const credential: TargetCredential | undefined =
    apiKey !== undefined
      ? { kind: "api_key", apiKey }
      : login !== undefined
        ? { kind: "login", login }
        : undefined;
  if (credential === undefined) throw notLoggedIn(env, profile, stored !== undefined);

  const [rawUrl, urlFrom] =
    env.url !== undefined
      ? ([env.url, "AIRLOCK_URL"] as const)
      : stored !== undefined
        ? ([stored.url, "profile"] as const)
        : ([DEFAULT_URL, "default"] as const);
  const url = normalizeUrl(
    rawUrl,
    urlFrom === "AIRLOCK_URL" ? "AIRLOCK_URL" : `the URL of profile "${profile}"`,
  );
  return {
    url,
    credential,
    profile,
    urlFrom,
    credentialFrom: env.apiKey !== undefined ? "AIRLOCK_API_KEY" : "profile",
    grpc: resolveGrpcTarget(env, url, stored, profile),
  };
}

/**
 * Checks an http(s) URL and drops the trailing slash (a path prefix is kept, for a control
 * plane behind a reverse proxy). `what` names where the URL came from, for the error.
 */
export function normalizeUrl(raw: string, what: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${what} is not a valid URL: "${raw}" (expected e.g. ${DEFAULT_URL})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(
      `${what} must be an http:// or https:// URL (e.g. ${DEFAULT_URL}), got "${raw}"`,
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw new ConfigError(`${what} must not contain a user name or password; use an API key`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new ConfigError(`${what} must not have a query or fragment: "${raw}"`);
  }
  return url.toString().replace(/\/+$/, "");
}

function notLoggedIn(env: CliEnv, profile: string, profileExists: boolean): NotLoggedInError {
  const where = profileExists
    ? `profile "${profile}" in ${env.configPath} has no login or API key`
    : `no profile "${profile}" in ${env.configPath}`;
  return new NotLoggedInError(`not logged in (${where}); ${loginHint(profile)}`);
}

/** `run: airlock login (… --api-key - …), or set AIRLOCK_API_KEY`, for not-logged-in errors. */
export function loginHint(profile: string): string {
  const profileFlag = profile === "default" ? "" : ` --profile ${profile}`;
  return (
    `run: airlock login${profileFlag} (single sign-on), or airlock login${profileFlag} --api-key - ` +
    "(an API key on stdin), or set AIRLOCK_API_KEY"
  );
}
