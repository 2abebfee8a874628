import { createHash } from "node:crypto";
import type { Decision, EvaluationRequest } from "../policy/decision";
import type { PolicyDocument } from "../policy/types";
import { evaluate } from "../policy/evaluate";
import { normalizeSql } from "../sql/parser";

// Decide once per statement shape (DESIGN §7). The key is the NORMALISED TEXT (every
// literal replaced by $n) plus everything else a decision depends on: the policy set
// version, the subject (with its elevations), the connection and the search path. Why it
// is sound:
//
// - Two strings with the same normalised text differ only in literal values, and no
//   fact policy-core extracts depends on a literal value, except the few it flags
//   (`SqlFacts.cacheable` false: SET search_path, set_config) — those are never stored.
// - A decision that consulted a time window depends on `now` (`Decision.cacheable`
//   false) and is never stored.
// - libpg_query's own fingerprint is NOT used as the key: it ignores schema names
//   (`secret.users` ≡ `public.users`), a WHERE made only of constants (`WHERE true` ≡
//   no WHERE) and SET values, so statements with different facts share a fingerprint.
//   test/decision-cache.test.ts keeps these counterexamples.

/** Normalised texts longer than this are not cached (keys stay small). */
export const MAX_CACHED_TEXT = 16 * 1024;

export interface DecisionCacheStats {
  hits: number;
  misses: number;
  size: number;
  maxEntries: number;
}

export class DecisionCache {
  private readonly entries = new Map<string, Decision>();
  private hitCount = 0;
  private missCount = 0;

  constructor(private readonly maxEntries = 10_000) {}

  /**
   * The cache key of a request under a policy set version, or undefined when the request
   * must not be cached: precomputed facts, text that does not parse, very long text.
   */
  static keyFor(request: EvaluationRequest, policyVersion: string): string | undefined {
    if (request.facts !== undefined) return undefined;
    let normalized: string;
    try {
      normalized = normalizeSql(request.sql);
    } catch {
      return undefined;
    }
    if (normalized.length > MAX_CACHED_TEXT) return undefined;
    const { subject, connection } = request;
    return JSON.stringify([
      policyVersion,
      subject.user,
      subject.kind ?? "human",
      [...subject.groups].sort(),
      [...new Set(subject.elevations ?? [])].sort(),
      connection.name,
      Object.entries(connection.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      request.searchPath ?? null,
      request.standardConformingStrings ?? true,
      normalized,
    ]);
  }

  /** The cached decision, if any. Cached decisions carry no statement text (`text` is ""). */
  get(key: string): Decision | undefined {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  /** Store a decision; refused (returns false) unless `decision.cacheable` is true. */
  set(key: string, decision: Decision): boolean {
    if (decision.cacheable !== true) return false;
    this.entries.delete(key);
    this.entries.set(key, stripTexts(decision));
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    return true;
  }

  /**
   * evaluate() through the cache. `policyVersion` must change whenever `policies` does
   * (policySetVersion(policies) computes one).
   */
  evaluate(
    policies: readonly PolicyDocument[],
    policyVersion: string,
    request: EvaluationRequest,
    now: Date,
  ): Decision {
    const key = DecisionCache.keyFor(request, policyVersion);
    if (key !== undefined) {
      const hit = this.get(key);
      if (hit !== undefined) {
        this.hitCount += 1;
        return hit;
      }
    }
    this.missCount += 1;
    const decision = evaluate(policies, request, now);
    if (key !== undefined) this.set(key, decision);
    return decision;
  }

  get size(): number {
    return this.entries.size;
  }

  get stats(): DecisionCacheStats {
    return {
      hits: this.hitCount,
      misses: this.missCount,
      size: this.entries.size,
      maxEntries: this.maxEntries,
    };
  }

  /** Drop every entry (e.g. when policies change, if the version is not in the key). */
  clear(): void {
    this.entries.clear();
  }
}

/** A stable version string for a policy set: a hash of the documents, in order. */
export function policySetVersion(policies: readonly PolicyDocument[]): string {
  return createHash("sha256").update(stableJson(policies)).digest("hex").slice(0, 32);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** A frozen copy without statement texts (they differ between literal variants). */
function stripTexts(decision: Decision): Decision {
  const strip = <T extends { text: string; prepared?: { name: string; statement?: T } }>(
    s: T,
  ): T => ({
    ...s,
    text: "",
    ...(s.prepared === undefined
      ? {}
      : {
          prepared: {
            ...s.prepared,
            ...(s.prepared.statement === undefined
              ? {}
              : { statement: strip(s.prepared.statement) }),
          },
        }),
  });
  return deepFreeze({
    ...decision,
    facts: { ...decision.facts, statements: decision.facts.statements.map(strip) },
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
