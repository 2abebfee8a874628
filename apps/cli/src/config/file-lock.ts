import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigError } from "../errors";
import { errnoCode, removeQuietly } from "./fs-quiet";

export interface FileLockOptions {
  /** A lock older than this is taken to belong to a process that died holding it. */
  readonly staleMs?: number;
  /** How long to wait for a live lock before giving up. */
  readonly waitMs?: number;
  /** How often to look again while waiting. */
  readonly pollMs?: number;
}

const DEFAULT_STALE_MS = 30_000;
const DEFAULT_WAIT_MS = 40_000;
const DEFAULT_POLL_MS = 50;

/** `<config>.lock`: the lock that serialises changes to the config's login tokens. */
export function lockPathFor(configPath: string): string {
  return `${configPath}.lock`;
}

/**
 * Runs `fn` holding an exclusive lock file at `path`, across processes: the file is created
 * with O_EXCL (only one creator wins) and holds `{pid, time, nonce}`; it is removed in
 * `finally`. A lock older than `staleMs` (its holder crashed) is broken. Waiting longer than
 * `waitMs` fails with a message naming the file.
 */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const content = await acquire(path, options);
  try {
    return await fn();
  } finally {
    release(path, content);
  }
}

async function acquire(path: string, options: FileLockOptions): Promise<string> {
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const content = JSON.stringify({
    pid: process.pid,
    time: new Date().toISOString(),
    nonce: randomBytes(8).toString("hex"),
  });
  const started = Date.now();
  for (;;) {
    if (tryCreate(path, content)) return content;
    const held = readQuietly(path);
    if (held !== undefined && ageOf(path, held) > staleMs) {
      // Remove it only if it is still the lock we judged stale: another process may have
      // broken it and taken a fresh one in between (a narrow window, not closed entirely).
      if (readQuietly(path) === held) removeQuietly(path);
      continue;
    }
    if (Date.now() - started > waitMs) {
      throw new ConfigError(
        `another airlock process has held the lock ${path} for over ${Math.round(waitMs / 1000)}s; ` +
          "if none is running, delete the file and try again",
      );
    }
    await sleep(pollMs);
  }
}

function tryCreate(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    if (errnoCode(error) === "EEXIST") return false;
    throw new ConfigError(
      `cannot create the lock file ${path}: ${errnoCode(error) ?? String(error)}`,
    );
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Milliseconds since the lock was taken: its `time`, else (unreadable) the file's mtime. */
function ageOf(path: string, content: string): number {
  let taken = Number.NaN;
  try {
    const parsed = JSON.parse(content) as { time?: unknown };
    if (typeof parsed.time === "string") taken = Date.parse(parsed.time);
  } catch {
    // half-written or foreign content: fall back to the file's mtime
  }
  if (Number.isNaN(taken)) {
    try {
      taken = statSync(path).mtimeMs;
    } catch {
      return 0; // gone already: the next attempt will create it
    }
  }
  return Date.now() - taken;
}

/** Removes the lock only if it is still ours (it may have been broken as stale). */
function release(path: string, content: string): void {
  if (readQuietly(path) === content) removeQuietly(path);
}

function readQuietly(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
