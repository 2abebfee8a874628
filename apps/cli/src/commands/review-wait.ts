import type { AirlockApi } from "../http/airlock-api";
import type { ReviewDetail } from "../http/approval-schemas";
import { ApiError, UnreachableError } from "../http/errors";

export interface WaitOptions {
  /** How often the review is read again (the design's 2 s). */
  readonly intervalMs: number;
  /** Stops waiting early: the promise then resolves with `undefined`. */
  readonly stop: Promise<void>;
  /** Failed reads in a row tolerated (control plane restarting, network blip). */
  readonly maxFailures?: number;
}

/**
 * Reads review `id` every `intervalMs` until it is no longer pending, and resolves with it;
 * `undefined` when `stop` settles first. A transient failure (no answer, 5xx) is retried;
 * anything else (403, 404) ends the wait with that error.
 */
export async function waitForDecision(
  api: Pick<AirlockApi, "getReview">,
  id: string,
  options: WaitOptions,
): Promise<ReviewDetail | undefined> {
  let stopped = false;
  void options.stop.then(() => (stopped = true));
  const maxFailures = options.maxFailures ?? 5;
  let failures = 0;
  for (;;) {
    if (stopped) return undefined;
    try {
      const review = await api.getReview(id);
      failures = 0;
      if (review.status !== "pending") return review;
    } catch (error) {
      if (!transient(error) || ++failures > maxFailures) throw error;
    }
    if (await sleepOrStop(options.intervalMs, options.stop)) return undefined;
  }
}

function transient(error: unknown): boolean {
  return error instanceof UnreachableError || (error instanceof ApiError && error.status >= 500);
}

/** Resolves true when `stop` settled before `ms` passed. */
function sleepOrStop(ms: number, stop: Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    stop.then(() => true),
  ]).finally(() => clearTimeout(timer));
}
