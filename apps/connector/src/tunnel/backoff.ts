// Reconnect delays: exponential, capped, with "equal jitter".
//
// Why equal jitter rather than full jitter: full jitter (delay uniform in
// [0, step]) spreads a fleet best, but a single connector can draw ~0 ms several
// times in a row and hammer a control plane that is down. Equal jitter (delay
// uniform in [step/2, step]) keeps a floor of half the step, so delays never
// shrink from one attempt to the next (attempt n's floor is attempt n-1's
// ceiling) and the process never spins, while the other half is still random
// enough to desynchronise connectors that all lost the same control plane.

export interface BackoffPolicy {
  /** Step of the first retry, in ms. */
  readonly baseMs: number;
  /** Largest step, in ms. */
  readonly maxMs: number;
}

/** A source of uniform numbers in [0, 1), like Math.random. */
export type RandomSource = () => number;

/**
 * Delay in ms before reconnect attempt `attempt` (1 = the first retry after a
 * failure): step = min(maxMs, baseMs * 2^(attempt-1)), delay uniform in
 * [step/2, step].
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: RandomSource): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`backoff attempt must be an integer >= 1, got ${attempt}`);
  }
  if (!(policy.baseMs > 0) || !(policy.maxMs >= policy.baseMs)) {
    throw new RangeError(
      `backoff policy needs 0 < baseMs <= maxMs, got ${policy.baseMs} and ${policy.maxMs}`,
    );
  }
  // 2^52 already exceeds any cap; bounding the exponent keeps the product finite.
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt - 1, 52));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(step / 2 + (r * step) / 2);
}
