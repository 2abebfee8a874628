import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type CliEnv, readCliEnv } from "./config/env";
import { ProfileStore } from "./config/profile-store";
import { resolveTarget, type Target } from "./config/target";
import { AirlockApi } from "./http/airlock-api";
import { ApiClient } from "./http/api-client";
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

/** Resolves the target (environment over profile) and returns a client for it. */
export function connect(
  ctx: CliContext,
  profileFlag: string | undefined,
): { api: AirlockApi; target: Target } {
  const target = resolveTarget(ctx.env, profileFlag, () => profileStore(ctx).read());
  return { api: apiFor(ctx, target.url, target.apiKey), target };
}

export function apiFor(ctx: CliContext, url: string, apiKey: string): AirlockApi {
  return new AirlockApi(
    new ApiClient({
      baseUrl: url,
      apiKey,
      fetch: ctx.fetch,
      userAgent: `airlock-cli/${ctx.version}`,
    }),
  );
}
