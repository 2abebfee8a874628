import type { Command } from "commander";
import type { ConfigFile, StoredProfile } from "../config/config-file";
import type { CliEnv } from "../config/env";
import {
  DEFAULT_GRPC_PORT,
  defaultGrpcInsecure,
  grpcAddressFor,
  grpcAddressProblem,
  isLoopbackHost,
} from "../config/grpc-target";
import { DEFAULT_URL, normalizeUrl, selectProfile } from "../config/target";
import { apiFor, type CliContext, profileStore } from "../context";
import { CliError, UsageError } from "../errors";
import { ApiError } from "../http/errors";
import { commonOptions, quoted } from "./shared";

interface LoginOptions {
  apiKey: string;
  url?: string;
  grpcAddress?: string;
  grpcInsecure?: boolean;
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
The key is checked with GET /api/v1/identity/whoami, then saved with the URL and the gRPC
address under the profile (--profile, else the current one, else "default"), which becomes
the current profile. gRPC uses TLS with the system's CA certificates unless --grpc-insecure;
set AIRLOCK_GRPC_CA_FILE to trust a private CA.

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
  const grpc = grpcSettings(ctx.env, options, url, config.profiles[profile]);

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

  store.update((current) => withProfile(current, profile, { url, apiKey, ...grpc }));
  ctx.term.out(`Logged in to ${url} as ${me.user.name} (${me.user.role})\n`);
  ctx.term.out(`gRPC gateway: ${grpc.grpcAddress} (${grpc.grpcInsecure ? "plaintext" : "TLS"})\n`);
  warnIfPlaintextGrpc(ctx, grpc);
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

function withProfile(
  config: ConfigFile,
  profile: string,
  fields: Required<Pick<StoredProfile, "url" | "apiKey" | "grpcAddress" | "grpcInsecure">>,
): ConfigFile {
  return {
    ...config,
    current: profile,
    profiles: { ...config.profiles, [profile]: { ...config.profiles[profile], ...fields } },
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

function warnIfPlaintextGrpc(
  ctx: CliContext,
  grpc: { grpcAddress: string; grpcInsecure: boolean },
): void {
  const host = grpc.grpcAddress.replace(/:\d+$/, "");
  if (grpc.grpcInsecure && !isLoopbackHost(host)) {
    ctx.term.err(
      `warning: gRPC to ${grpc.grpcAddress} is plaintext, so the API key and your queries cross the network unencrypted; drop --grpc-insecure to use TLS\n`,
    );
  }
}

function warnIfPlainHttp(ctx: CliContext, url: string): void {
  const { protocol, hostname } = new URL(url);
  if (protocol === "http:" && !isLoopbackHost(hostname)) {
    ctx.term.err(
      `warning: ${url} is plain http, so the API key crosses the network unencrypted; prefer https\n`,
    );
  }
}
