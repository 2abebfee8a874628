import type { Command } from "commander";
import type { ConfigFile } from "../config/config-file";
import { DEFAULT_URL, normalizeUrl, selectProfile } from "../config/target";
import { apiFor, type CliContext, profileStore } from "../context";
import { CliError, UsageError } from "../errors";
import { ApiError } from "../http/errors";
import { commonOptions, quoted } from "./shared";

interface LoginOptions {
  apiKey: string;
  url?: string;
}

export function registerLogin(program: Command, ctx: CliContext): void {
  program
    .command("login")
    .description("check an API key against the control plane and store it in a local profile")
    .requiredOption(
      "--api-key <key>",
      "API key (alk_key_…); pass - to read it from stdin (or a hidden prompt) and keep it out of shell history",
    )
    .option(
      "--url <url>",
      `control plane URL (default: AIRLOCK_URL, the profile's URL, else ${DEFAULT_URL})`,
    )
    .addHelpText(
      "after",
      `
The key is checked with GET /api/v1/identity/whoami, then saved with the URL under the
profile (--profile, else the current one, else "default"), which becomes the current profile.

Examples:
  airlock login --api-key - < ~/airlock-key.txt
  printf %s "$KEY" | airlock login --api-key - --url https://airlock.example.com
  airlock login --profile staging --api-key - --url http://10.0.0.5:8080`,
    )
    .action((options: LoginOptions, cmd: Command) => login(ctx, cmd, options));

  program
    .command("logout")
    .description("remove the stored API key of a profile from this machine")
    .addHelpText(
      "after",
      `
This only deletes the key from the local config file; the key stays valid on the control
plane until it is revoked there. Revoking server-side on logout arrives with OIDC login in a
later release.`,
    )
    .action((_options: unknown, cmd: Command) => logout(ctx, cmd));
}

async function login(ctx: CliContext, cmd: Command, options: LoginOptions): Promise<void> {
  const apiKey = await readApiKey(ctx, options.apiKey);
  const store = profileStore(ctx);
  const config = store.read();
  const profile = selectProfile(ctx.env, commonOptions(cmd).profile, () => config);
  const rawUrl = options.url ?? ctx.env.url ?? config.profiles[profile]?.url ?? DEFAULT_URL;
  const url = normalizeUrl(
    rawUrl,
    options.url !== undefined ? "--url" : ctx.env.url !== undefined ? "AIRLOCK_URL" : "the URL",
  );
  warnIfPlainHttp(ctx, url);

  let me;
  try {
    me = await apiFor(ctx, url, apiKey).whoami();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      throw new CliError(
        `the control plane at ${url} refused this API key: ${error.serverMessage}; nothing was saved`,
      );
    }
    throw error;
  }

  store.update((current) => withProfile(current, profile, url, apiKey));
  ctx.term.out(`Logged in to ${url} as ${me.user.name} (${me.user.role})\n`);
  if (config.current !== undefined && config.current !== profile) {
    ctx.term.err(`Profile ${quoted(profile)} is now the current profile.\n`);
  }
  if (ctx.env.apiKey !== undefined) {
    ctx.term.err(
      "note: AIRLOCK_API_KEY is set in this shell and takes precedence over the stored key\n",
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

function withProfile(config: ConfigFile, profile: string, url: string, apiKey: string): ConfigFile {
  return {
    ...config,
    current: profile,
    profiles: { ...config.profiles, [profile]: { ...config.profiles[profile], url, apiKey } },
  };
}

function logout(ctx: CliContext, cmd: Command): void {
  const store = profileStore(ctx);
  const config = store.read();
  const profile = selectProfile(ctx.env, commonOptions(cmd).profile, () => config);
  const stored = config.profiles[profile];
  if (stored?.apiKey === undefined) {
    ctx.term.out(`No API key is stored for profile ${quoted(profile)}; nothing to do.\n`);
  } else {
    const { apiKey: _removed, ...rest } = stored;
    store.write({ ...config, profiles: { ...config.profiles, [profile]: rest } });
    ctx.term.out(
      `Logged out: removed the API key of profile ${quoted(profile)} from ${store.path}.\n` +
        "The key stays valid on the control plane until it is revoked there.\n",
    );
  }
  if (ctx.env.apiKey !== undefined) {
    ctx.term.err(
      "note: AIRLOCK_API_KEY is still set in this shell, so commands still authenticate with it\n",
    );
  }
}

function warnIfPlainHttp(ctx: CliContext, url: string): void {
  const { protocol, hostname } = new URL(url);
  const loopback = hostname === "localhost" || hostname === "[::1]" || hostname.startsWith("127.");
  if (protocol === "http:" && !loopback) {
    ctx.term.err(
      `warning: ${url} is plain http, so the API key crosses the network unencrypted; prefer https\n`,
    );
  }
}
