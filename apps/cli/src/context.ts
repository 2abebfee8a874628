import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LoginCredentials } from "./auth/login-credentials";
import { type CliEnv, readCliEnv } from "./config/env";
import { ProfileStore } from "./config/profile-store";
import { resolveTarget, type Target } from "./config/target";
import { AirlockApi } from "./http/airlock-api";
import { ApiClient, apiKeyCredentials, type Credentials } from "./http/api-client";
import { AuthApi } from "./http/auth-api";
import { processSignals, type StopSignals } from "./io/signals";
import { processTerminal, type Terminal } from "./io/terminal";

/**
 * What every command receives: environment, terminal, clock, HTTP and stop signals, passed in
 * rather than global.
 */
export interface CliContext {
  readonly env: CliEnv;
  readonly term: Terminal;
  readonly signals: StopSignals;
  readonly fetch: typeof fetch;
  readonly now: () => Date;
  readonly version: string;
}

export function processContext(term: Terminal = processTerminal()): CliContext {
  return {
    env: readCliEnv(),
    term,
    signals: processSignals(),
    fetch: globalThis.fetch,
    now: () => new Date(),
    version: cliVersion(),
  };
}

export function cliVersion(): string {
  // dist/context.js and src/context.ts both sit one level below package.json.
  const pkg = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")) as {
    version?: string;
  };
  return pkg.version ?? "0.0.0";
}

export function profileStore(ctx: CliContext): ProfileStore {
  return new ProfileStore(ctx.env.configPath, {
    ownsDirectory: !ctx.env.configPathIsCustom,
    warn: (message) => ctx.term.err(`warning: ${message}\n`),
  });
}

/**
 * Resolves the target (environment over profile) and returns a client for it, with the
 * credentials every request (REST here, gRPC through `credentials.bearer()`) takes its Bearer
 * from. Nothing is sent yet: a login's token is checked and refreshed at the first request.
 */
export function connect(
  ctx: CliContext,
  profileFlag: string | undefined,
): { api: AirlockApi; target: Target; credentials: Credentials } {
  const target = resolveTarget(ctx.env, profileFlag, () => profileStore(ctx).read());
  const credentials = credentialsFor(ctx, target);
  return { api: apiFor(ctx, target.url, credentials), target, credentials };
}

/** How long a token refresh may take. */
const REFRESH_TIMEOUT_MS = 15_000;

/** An API key as is; a login's tokens behind LoginCredentials (refresh under the lock). */
export function credentialsFor(ctx: CliContext, target: Target): Credentials {
  const { credential } = target;
  if (credential.kind === "api_key") return apiKeyCredentials(credential.apiKey);
  return new LoginCredentials({
    store: profileStore(ctx),
    profile: target.profile,
    url: target.url,
    // Well under the lock's 30 s staleness: the refresh runs while holding it.
    auth: authApiFor(ctx, target.url, REFRESH_TIMEOUT_MS),
    now: ctx.now,
    login: credential.login,
  });
}

export function apiFor(ctx: CliContext, url: string, credentials: Credentials): AirlockApi {
  return new AirlockApi(
    new ApiClient({
      baseUrl: url,
      credentials,
      fetch: ctx.fetch,
      userAgent: `airlock-cli/${ctx.version}`,
    }),
  );
}

/** The unauthenticated login endpoints (`/auth/*`) of the control plane at `url`. */
export function authApiFor(ctx: CliContext, url: string, timeoutMs?: number): AuthApi {
  return new AuthApi(
    new ApiClient({
      baseUrl: url,
      credentials: undefined,
      fetch: ctx.fetch,
      userAgent: `airlock-cli/${ctx.version}`,
      timeoutMs,
    }),
  );
}
