// Process helpers: free ports, bounded waits, long-running daemons that log to a file,
// bounded one-shot commands, and peak-RSS readings from /proc.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { onCleanup, trackForeground } from "./cleanup.mjs";

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns something truthy; throws after `timeoutMs`. */
export async function waitFor(what, check, timeoutMs = 30_000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      if (err?.fatal) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError ? ` (last error: ${lastError.message})` : "";
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}

/**
 * A long-running process whose stdout and stderr go straight to `logPath` (no pipe through
 * this process, so the orchestrator costs nothing while it runs). Stopped at cleanup.
 */
export class Daemon {
  constructor(name, command, args, { env, logPath, uid, gid, cwd }) {
    this.name = name;
    this.logPath = logPath;
    const fd = openSync(logPath, "a", 0o644);
    this.child = spawn(command, args, {
      cwd,
      env,
      uid,
      gid,
      stdio: ["ignore", fd, fd],
    });
    closeSync(fd);
    this.pid = this.child.pid;
    this.exit = undefined;
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.child.once("error", (err) => {
        this.exit = { code: null, signal: null, error: err.message };
        resolve(this.exit);
      });
    });
    this.unregister = onCleanup(`stop ${name}`, () => this.stop());
  }

  get running() {
    return this.exit === undefined;
  }

  log() {
    try {
      return readFileSync(this.logPath, "utf8");
    } catch {
      return "";
    }
  }

  tail(lines = 20) {
    return this.log().trimEnd().split("\n").slice(-lines).join("\n");
  }

  /** Waits until the log matches `pattern`; fails early when the process exits. */
  async waitForLog(pattern, timeoutMs = 30_000) {
    await waitFor(
      `${this.name} to print ${pattern}`,
      () => {
        if (pattern.test(this.log())) return true;
        if (!this.running) {
          const err = new Error(
            `${this.name} exited (${JSON.stringify(this.exit)}); last output:\n${this.tail()}`,
          );
          err.fatal = true;
          throw err;
        }
        return false;
      },
      timeoutMs,
    );
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Safe to call twice. */
  async stop(signal = "SIGTERM", graceMs = 10_000) {
    this.unregister();
    if (!this.running) return this.exit;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

/**
 * Runs a command to completion with a hard time limit (SIGINT, then SIGKILL 5 s later).
 * Resolves with its exit status and output; never rejects for a non-zero exit.
 */
export function runCommand(command, args, { env, timeoutMs, input, echo = false } = {}) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, {
      env,
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    trackForeground(child);
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (c) => {
      stdout += c;
      if (echo) process.stdout.write(c);
    });
    child.stderr.on("data", (c) => {
      stderr += c;
      if (echo) process.stderr.write(c);
    });
    if (input !== undefined) child.stdin.end(input);
    let killTimer;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGINT");
      killTimer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    }, timeoutMs ?? 60_000);
    let finished = false;
    const done = (code, signal, error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ code, signal, stdout, stderr: error ? `${stderr}${error}` : stderr, timedOut, ms });
    };
    child.once("error", (err) => done(null, null, err.message));
    // "close" comes after the exit and after the pipes have drained.
    child.once("close", (code, signal) => done(code, signal));
  });
}

/** VmHWM (peak resident set) and VmRSS of a live process, in bytes; undefined when gone. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
    return { peak: kb("VmHWM") * 1024, current: kb("VmRSS") * 1024 };
  } catch {
    return undefined;
  }
}

/** Resets a process's VmHWM to its current RSS (Linux `clear_refs` 5). False if refused. */
export function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}
