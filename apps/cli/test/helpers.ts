import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../src/cli";
import { readCliEnv } from "../src/config/env";
import type { CliContext } from "../src/context";

/** A fresh directory under the OS temp dir, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "airlock-cli-test-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Captured {
  ctx: CliContext;
  stdout: () => string;
  stderr: () => string;
}

/**
 * A context with captured output. `fetch` is the real global fetch unless a test passes
 * something else; `stdin` stands for what would be piped into the process.
 */
export function captureContext(
  env: Record<string, string | undefined>,
  options: {
    stdin?: string;
    stdinIsTTY?: boolean;
    stderrIsTTY?: boolean;
    columns?: number;
    now?: Date;
  } = {},
): Captured {
  let out = "";
  let err = "";
  const ctx: CliContext = {
    env: readCliEnv(env),
    term: {
      out: (text) => void (out += text),
      err: (text) => void (err += text),
      readSecret: () => Promise.resolve((options.stdin ?? "").replace(/\r?\n$/, "")),
      readInput: () => Promise.resolve(options.stdin ?? ""),
      stdinIsTTY: options.stdinIsTTY ?? options.stdin === undefined,
      columns: options.columns,
      stderrIsTTY: options.stderrIsTTY ?? false,
    },
    // No signal ever arrives in unit tests.
    signals: { onStop: () => () => undefined },
    fetch: globalThis.fetch,
    now: () => options.now ?? new Date(),
    version: "0.0.0-test",
  };
  return { ctx, stdout: () => out, stderr: () => err };
}

export async function run(
  args: string[],
  env: Record<string, string | undefined>,
  options: { stdin?: string; stdinIsTTY?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const captured = captureContext(env, options);
  const code = await runCli(captured.ctx, args);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}
