import { describe, expect, it } from "vitest";
import { backoffDelay, type BackoffPolicy } from "../src/tunnel/backoff";

const policy: BackoffPolicy = { baseMs: 250, maxMs: 30_000 };
const low = (): number => 0;
const high = (): number => 0.999_999_999;
const mid = (): number => 0.5;

describe("backoffDelay (equal jitter)", () => {
  it.each([
    [1, 125, 250],
    [2, 250, 500],
    [3, 500, 1_000],
    [4, 1_000, 2_000],
    [5, 2_000, 4_000],
    [6, 4_000, 8_000],
    [7, 8_000, 16_000],
    [8, 15_000, 30_000],
    [9, 15_000, 30_000],
  ])("attempt %i waits between %i and %i ms", (attempt, min, max) => {
    expect(backoffDelay(attempt, policy, low)).toBe(min);
    expect(backoffDelay(attempt, policy, high)).toBe(max);
  });

  it("puts the random part in the upper half of the step", () => {
    expect(backoffDelay(3, policy, mid)).toBe(750);
  });

  it("never drops below the previous attempt's ceiling, so delays grow without spinning", () => {
    for (let attempt = 2; attempt <= 20; attempt++) {
      expect(backoffDelay(attempt, policy, low)).toBeGreaterThanOrEqual(
        Math.min(backoffDelay(attempt - 1, policy, high), policy.maxMs / 2),
      );
    }
  });

  it("stays at the cap for very large attempt numbers (no overflow to Infinity or NaN)", () => {
    for (const attempt of [60, 1_024, 1_000_000, Number.MAX_SAFE_INTEGER]) {
      const delay = backoffDelay(attempt, policy, high);
      expect(Number.isFinite(delay)).toBe(true);
      expect(delay).toBeLessThanOrEqual(policy.maxMs);
      expect(delay).toBeGreaterThanOrEqual(policy.maxMs / 2);
    }
  });

  it("stays inside [step/2, step] for any random value", () => {
    let seed = 42;
    const lcg = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let attempt = 1; attempt <= 12; attempt++) {
      const step = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(attempt, policy, lcg);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(step / 2));
        expect(delay).toBeLessThanOrEqual(step);
      }
    }
  });

  it("clamps a misbehaving random source into [0, 1]", () => {
    expect(backoffDelay(1, policy, () => -5)).toBe(125);
    expect(backoffDelay(1, policy, () => 7)).toBe(250);
  });

  it("honours a cap smaller than the doubled step", () => {
    const tight = { baseMs: 100, maxMs: 300 };
    expect(backoffDelay(2, tight, high)).toBe(200);
    expect(backoffDelay(3, tight, high)).toBe(300);
    expect(backoffDelay(10, tight, low)).toBe(150);
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects attempt %s", (attempt) => {
    expect(() => backoffDelay(attempt, policy, mid)).toThrow(RangeError);
  });

  it("rejects a policy whose base exceeds its maximum", () => {
    expect(() => backoffDelay(1, { baseMs: 500, maxMs: 100 }, mid)).toThrow(RangeError);
  });
});
