import type { Command } from "commander";
import { loginFrom, profileWithLogin } from "../auth/login-credentials";
import { browserLogin, deviceLogin } from "../auth/oidc-login";
import {
  type ConfigFile,
  type StoredLogin,
  type StoredProfile,
  storedLogin,
  withoutCredentials,
} from "../config/config-file";
import type { CliEnv } from "../config/env";
import {
  DEFAULT_GRPC_PORT,
  defaultGrpcInsecure,
  grpcAddressFor,
  grpcAddressProblem,
  isLoopbackHost,
} from "../config/grpc-target";
import type { ProfileStore } from "../config/profile-store";
import { DEFAULT_URL, normalizeUrl, selectProfile } from "../config/target";
import { apiFor, authApiFor, type CliContext, profileStore } from "../context";
import { CliError, UsageError } from "../errors";
import { apiKeyCredentials } from "../http/api-client";
import type { AuthApi, TokenResponse } from "../http/auth-api";
import { ApiError } from "../http/errors";
import { parseDuration } from "./time-flags";
import { commonOptions, quoted } from "./shared";

interface LoginOptions {
  apiKey?: string;
  url?: string;
  grpcAddress?: string;
  grpcInsecure?: boolean;
  /** False with --no-browser: the device flow. */
  browser: boolean;
  timeout: string;
}

/** What both ways of logging in work out before they talk to the control plane. */
interface LoginPlan {
  readonly store: ProfileStore;
  readonly config: ConfigFile;
  readonly profile: string;
  readonly url: string;
  readonly grpc: { grpcAddress: string; grpcInsecure: boolean };
}

const DEFAULT_TIMEOUT = "5m";
/** How long logout (and replacing a login) waits for the control plane to end a login. */
const LOGOUT_TIMEOUT_MS = 10_000;

export function registerLogin(program: Command, ctx: CliContext): void {
  program
    .command("login")
    .description(
      "log in with single sign-on (your company's identity provider) or an API key, and store it in a local profile",
    )
    .option(
      "--api-key <key>",
      "log in with an API key (alk_key_…) instead of single sign-on; pass - to read it from stdin (or a hidden prompt) and keep it out of shell history",
    )
    .option(
      "--no-browser",
      "single sign-on without a browser on this machine: print a code to enter on any device (for SSH sessions)",
    )
    .option(
      "--timeout <duration>",
      "how long to wait for single sign-on to complete, e.g. 90s, 10m",
      DEFAULT_TIMEOUT,
    )
    .option(
      "--url <url>",
      `control plane URL (default: AIRLOCK_URL, the profile's URL, else ${DEFAULT_URL})`,
    )
    .option(
      "--grpc-address <host:port>",
      `control plane gRPC address for connect and exec (default: AIRLOCK_GRPC_ADDRESS, else the URL's host, port ${DEFAULT_GRPC_PORT})`,
    )
    .option(
      "--grpc-insecure",
      "use plaintext gRPC (default only for an http:// URL on this machine: localhost, 127.x, ::1)",
    )
    .option("--no-grpc-insecure", "use TLS for gRPC even next to a plain-http local URL")
    .addHelpText(
      "after",
      `
Without --api-key, login uses single sign-on: the browser opens the control plane's login
page (your identity provider), and the answer comes back to a one-time listener on
127.0.0.1. Set AIRLOCK_BROWSER to the command that opens URLs (none: open nothing; the URL is
printed either way). With --no-browser the CLI prints a URL and a code to enter on any
device, and waits. The control plane issues a short-lived access token and a refresh token;
both are stored in the profile and the access token is renewed automatically. Your login
lasts as long as the control plane allows (12 h by default), then log in again. If single
sign-on is not configured on the control plane, use an API key.

With --api-key, the key is checked with GET /api/v1/identity/whoami. Either way the
credential is saved, with the URL and the gRPC address, under the profile (--profile, else
the current one, else "default"), which becomes the current profile; it replaces the
profile's previous login or key. gRPC uses TLS with the system's CA certificates unless
--grpc-insecure; set AIRLOCK_GRPC_CA_FILE to trust a private CA.

Examples:
  airlock login --url https://airlock.example.com
  airlock login --no-browser --url https://airlock.example.com
  airlock login --profile staging --url http://10.0.0.5:8080
  airlock login --api-key - < ~/airlock-key.txt
  printf %s "$KEY" | airlock login --api-key - --url https://airlock.example.com`,
    )
    .action((options: LoginOptions, cmd: Command) =>
      options.apiKey !== undefined
        ? apiKeyLogin(ctx, cmd, options, options.apiKey)
        : singleSignOn(ctx, cmd, options),
    );

  program
    .command("logout")
    .description("end the login of a profile (or remove its API key) on this machine")
    .addHelpText(
      "after",
      `
For a single sign-on login, logout ends the login session on the control plane (its refresh
token is revoked, so neither token works any longer) and deletes the tokens from the config
file. If the control plane cannot be reached the tokens are deleted anyway, and the login
stays valid there until it expires.

For an API key, logout only deletes the key from the config file: the key stays valid on the
control plane until it is revoked (airlock api-keys revoke <id>). The profile keeps its URL
for the next login.`,
    )
    .action((_options: unknown, cmd: Command) => logout(ctx, cmd));
}

function plan(ctx: CliContext, cmd: Command, options: LoginOptions): LoginPlan {
  const store = profileStore(ctx);
  const config = store.read();
  const profile = selectProfile(ctx.env, commonOptions(cmd).profile, () => config);
  const rawUrl = options.url ?? ctx.env.url ?? config.profiles[profile]?.url ?? DEFAULT_URL;
  const url = normalizeUrl(
    rawUrl,
    options.url !== undefined ? "--url" : ctx.env.url !== undefined ? "AIRLOCK_URL" : "the URL",
  );
  const grpc = grpcSettings(ctx.env, options, url, config.profiles[profile]);
  return { store, config, profile, url, grpc };
}

async function apiKeyLogin(
  ctx: CliContext,
  cmd: Command,
  options: LoginOptions,
  value: string,
): Promise<void> {
  const apiKey = await readApiKey(ctx, value);
  const target = plan(ctx, cmd, options);
  const { url } = target;
  warnIfPlainHttp(ctx, url, "the API key crosses");

  let me;
  try {
    me = await apiFor(ctx, url, apiKeyCredentials(apiKey)).whoami();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      throw new CliError(
        `the control plane at ${url} refused this API key: ${error.serverMessage}; nothing was saved`,
      );
    }
    throw error;
  }

  await save(ctx, target, { apiKey });
  ctx.term.out(`Logged in to ${url} as ${me.user.name} (${me.user.role}, ${me.user.kind})\n`);
  afterLogin(ctx, target, "key");
}

async function singleSignOn(ctx: CliContext, cmd: Command, options: LoginOptions): Promise<void> {
  const timeoutMs = parseTimeout(options.timeout);
  const target = plan(ctx, cmd, options);
  const { url } = target;
  warnIfPlainHttp(ctx, url, "your login tokens cross");
  const auth = authApiFor(ctx, url);
  await requireOidc(auth, url);

  const tokens = options.browser
    ? await browserLogin(ctx, auth, timeoutMs)
    : await deviceLogin(ctx, auth, url, timeoutMs);
  const login = loginFrom(tokens, ctx.now());
  await save(ctx, target, login);
  const user = tokens.user ?? (await userOf(ctx, url, tokens));
  ctx.term.out(`Logged in to ${url} as ${user.name} (${user.role}, ${user.kind})\n`);
  afterLogin(ctx, target, "login");
}

/** `GET /auth/config`: single sign-on must be on, else the user needs an API key. */
async function requireOidc(auth: AuthApi, url: string): Promise<void> {
  const instead = `log in with an API key instead: airlock login --api-key - --url ${url}`;
  let oidc: boolean;
  try {
    oidc = (await auth.config()).oidc;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new CliError(
        `the control plane at ${url} does not offer single sign-on (it has no /auth/config, so it predates OIDC login); ${instead}`,
      );
    }
    throw error;
  }
  if (!oidc) {
    throw new CliError(
      `single sign-on (OIDC) is not configured on the control plane at ${url}; ${instead}`,
    );
  }
}

/** The user behind fresh tokens, for a control plane whose token answer leaves it out. */
async function userOf(
  ctx: CliContext,
  url: string,
  tokens: TokenResponse,
): Promise<{ name: string; role: string; kind: string }> {
  return (await apiFor(ctx, url, apiKeyCredentials(tokens.access_token)).whoami()).user;
}

function parseTimeout(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(`--timeout: expected a duration like 90s, 5m or 1h; got "${value}"`);
  }
  return ms;
}

/**
 * Stores the new credential (an API key, or a login's tokens) in the profile with the URL and
 * gRPC settings, replacing whatever credential it had, under the config's lock (a refresh in
 * another process must not write the old login back). A login it replaces is ended on the
 * control plane, quietly and best effort: nothing would use it again.
 */
async function save(
  ctx: CliContext,
  target: LoginPlan,
  credential: { apiKey: string } | StoredLogin,
): Promise<void> {
  const { store, profile, url, grpc } = target;
  const replaced = await store.withLock(() => {
    const config = store.read();
    const old = config.profiles[profile];
    const base: StoredProfile = { ...(old ?? { url }), url, ...grpc };
    const next =
      "apiKey" in credential
        ? { ...withoutCredentials(base), apiKey: credential.apiKey }
        : profileWithLogin(base, credential);
    store.write({ ...config, current: profile, profiles: { ...config.profiles, [profile]: next } });
    return Promise.resolve(old);
  });
  const oldLogin = storedLogin(replaced);
  if (replaced !== undefined && oldLogin !== undefined) {
    await endLoginQuietly(ctx, replaced.url, oldLogin);
  }
}

async function endLoginQuietly(ctx: CliContext, rawUrl: string, login: StoredLogin): Promise<void> {
  try {
    const url = normalizeUrl(rawUrl, "the previous URL");
    await authApiFor(ctx, url, LOGOUT_TIMEOUT_MS).logout(login.refreshToken);
  } catch {
    // best effort: the old login expires on its own
  }
}

function afterLogin(ctx: CliContext, target: LoginPlan, what: "key" | "login"): void {
  const { grpc, config, profile } = target;
  ctx.term.out(`gRPC gateway: ${grpc.grpcAddress} (${grpc.grpcInsecure ? "plaintext" : "TLS"})\n`);
  warnIfPlaintextGrpc(ctx, grpc, what === "key" ? "the API key" : "your access token");
  if (config.current !== undefined && config.current !== profile) {
    ctx.term.err(`Profile ${quoted(profile)} is now the current profile.\n`);
  }
  if (ctx.env.apiKey !== undefined) {
    ctx.term.err(
      `note: AIRLOCK_API_KEY is set in this shell and takes precedence over the stored ${what}\n`,
    );
  }
}

async function readApiKey(ctx: CliContext, value: string): Promise<string> {
  const key = (value === "-" ? await ctx.term.readSecret("API key: ") : value).trim();
  if (key === "") {
    throw new UsageError(value === "-" ? "no API key on stdin" : "--api-key is empty");
  }
  if (key.startsWith("alk_ctr_")) {
    throw new UsageError("that is a connector token (alk_ctr_…), not an API key (alk_key_…)");
  }
  return key;
}

/**
 * What to store about gRPC: the flags, else the environment, else what the profile already
 * holds for the same URL, else defaults derived from the URL.
 */
export function grpcSettings(
  env: CliEnv,
  options: Pick<LoginOptions, "grpcAddress" | "grpcInsecure">,
  url: string,
  existing: StoredProfile | undefined,
): { grpcAddress: string; grpcInsecure: boolean } {
  const given = options.grpcAddress ?? env.grpcAddress;
  if (given !== undefined) {
    const problem = grpcAddressProblem(given);
    const flag = options.grpcAddress !== undefined ? "--grpc-address" : "AIRLOCK_GRPC_ADDRESS";
    if (problem !== undefined) throw new UsageError(`${flag}: ${problem}`);
  }
  const sameUrl = existing !== undefined && existing.url.replace(/\/+$/, "") === url;
  const envInsecure = typeof env.grpcInsecure === "boolean" ? env.grpcInsecure : undefined;
  return {
    grpcAddress: given ?? (sameUrl ? existing.grpcAddress : undefined) ?? grpcAddressFor(url),
    grpcInsecure:
      options.grpcInsecure ??
      envInsecure ??
      (sameUrl ? existing.grpcInsecure : undefined) ??
      (env.grpcCaFile !== undefined ? false : defaultGrpcInsecure(url)),
  };
}

/**
 * Logout: a login is ended on the control plane (`POST /auth/logout` with the refresh token)
 * and its tokens deleted; an API key is only deleted (revoking it is `api-keys revoke`).
 * Under the config's lock, so no refresh in another process races the revocation.
 */
async function logout(ctx: CliContext, cmd: Command): Promise<void> {
  const store = profileStore(ctx);
  const profile = selectProfile(ctx.env, commonOptions(cmd).profile, () => store.read());
  const hasCredential = (config: ConfigFile): boolean => {
    const stored = config.profiles[profile];
    return stored?.apiKey !== undefined || storedLogin(stored) !== undefined;
  };
  if (!hasCredential(store.read())) {
    ctx.term.out(`No login or API key is stored for profile ${quoted(profile)}; nothing to do.\n`);
  } else {
    await store.withLock(async () => {
      // Read again under the lock: a refresh may have rotated the tokens meanwhile.
      const config = store.read();
      const stored = config.profiles[profile];
      if (stored === undefined || !hasCredential(config)) return;
      const login = storedLogin(stored);
      const failure = login !== undefined ? await endLogin(ctx, stored.url, login) : undefined;
      store.write({
        ...config,
        profiles: { ...config.profiles, [profile]: withoutCredentials(stored) },
      });
      if (login !== undefined) {
        ctx.term.out(
          failure === undefined
            ? `Logged out: ended the login on ${stored.url} and removed its tokens from profile ${quoted(profile)} in ${store.path}.\n`
            : `Logged out: removed the login tokens of profile ${quoted(profile)} from ${store.path}.\n`,
        );
        if (failure !== undefined) {
          ctx.term.err(
            `warning: could not end the login on the control plane (${failure}); it stays valid there until it expires\n`,
          );
        }
      }
      if (stored.apiKey !== undefined) {
        ctx.term.out(
          `Logged out: removed the API key of profile ${quoted(profile)} from ${store.path}.\n` +
            "The key stays valid on the control plane until it is revoked there (airlock api-keys revoke <id>).\n",
        );
      }
    });
  }
  if (ctx.env.apiKey !== undefined) {
    ctx.term.err(
      "note: AIRLOCK_API_KEY is still set in this shell, so commands still authenticate with it\n",
    );
  }
}

/**
 * `POST /auth/logout`; undefined when the login was ended (or the control plane says it is
 * already over), else why it could not be.
 */
async function endLogin(
  ctx: CliContext,
  rawUrl: string,
  login: StoredLogin,
): Promise<string | undefined> {
  try {
    const url = normalizeUrl(rawUrl, "the profile's URL");
    await authApiFor(ctx, url, LOGOUT_TIMEOUT_MS).logout(login.refreshToken);
    return undefined;
  } catch (error) {
    // A refresh token the control plane no longer knows: its login is over already.
    if (error instanceof ApiError && error.code === "invalid_grant") return undefined;
    return error instanceof Error ? error.message : String(error);
  }
}

function warnIfPlaintextGrpc(
  ctx: CliContext,
  grpc: { grpcAddress: string; grpcInsecure: boolean },
  credential: string,
): void {
  const host = grpc.grpcAddress.replace(/:\d+$/, "");
  if (grpc.grpcInsecure && !isLoopbackHost(host)) {
    ctx.term.err(
      `warning: gRPC to ${grpc.grpcAddress} is plaintext, so ${credential} and your queries cross the network unencrypted; drop --grpc-insecure to use TLS\n`,
    );
  }
}

function warnIfPlainHttp(ctx: CliContext, url: string, what: string): void {
  const { protocol, hostname } = new URL(url);
  if (protocol === "http:" && !isLoopbackHost(hostname)) {
    ctx.term.err(
      `warning: ${url} is plain http, so ${what} the network unencrypted; prefer https\n`,
    );
  }
}
