import type { TimelineEntry } from "../http/session-event-schemas";

/** Time for the replay: injected so that tests run instantly with a fake clock. */
export interface ReplayClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: ReplayClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface PlayOptions {
  /** 0: print everything at once; N: N times as fast as it happened. */
  speed: number;
  /** Waits longer than this (in session time, before the speed-up) are cut to it. */
  maxGapMs?: number;
}

/**
 * Prints `entries` in order, waiting between them as long as passed in the session (divided
 * by the speed). Only the session's own time is played: anything from before its start (the
 * approval of a review an `exec --review` session runs) or after its end (a review decided
 * once the client had gone) is printed without waiting. The schedule is kept against the
 * clock, so the time spent fetching pages and printing is absorbed rather than added.
 */
export async function play(
  entries: AsyncIterable<TimelineEntry>,
  print: (entry: TimelineEntry) => void,
  clock: ReplayClock,
  options: PlayOptions,
): Promise<void> {
  const timed = options.speed > 0 && Number.isFinite(options.speed);
  let startedAt: number | undefined;
  let endMs: number | undefined;
  let position = 0;
  let played = 0;
  for await (const entry of entries) {
    if (timed) {
      if (entry.kind === "session.started") endMs = endOffset(entry) ?? endMs;
      let at = Math.max(0, entry.offsetMs);
      if (endMs !== undefined) at = Math.min(at, endMs);
      const gap = Math.max(0, at - position);
      position = Math.max(position, at);
      played += options.maxGapMs === undefined ? gap : Math.min(gap, options.maxGapMs);
      startedAt ??= clock.now();
      const wait = startedAt + played / options.speed - clock.now();
      if (wait > 0) await clock.sleep(wait);
      if (entry.kind === "session.ended") endMs = position;
    }
    print(entry);
  }
}

/** The session's length from a `session.started` entry's session, if it has ended. */
function endOffset(entry: TimelineEntry): number | undefined {
  const session = entry["session"];
  if (typeof session !== "object" || session === null) return undefined;
  const { startedAt, endedAt } = session as { startedAt?: unknown; endedAt?: unknown };
  if (typeof startedAt !== "string" || typeof endedAt !== "string") return undefined;
  const span = Date.parse(endedAt) - Date.parse(startedAt);
  return Number.isNaN(span) ? undefined : span;
}
