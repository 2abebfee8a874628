import { createHmac } from "node:crypto";

export const STRATEGIES = ["redact", "partial", "hash", "null"] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** The entity of a column rule's output: `[REDACTED]`, counted as `COLUMN`. */
export const COLUMN_ENTITY = "COLUMN";

const KNOWN = new Set<string>(STRATEGIES);

export function isStrategy(name: string): name is Strategy {
  return KNOWN.has(name);
}

/** Values shorter than this are fully starred by `partial`: at least half stays hidden. */
const PARTIAL_MIN_LENGTH = 8;
const PARTIAL_KEEP = 4;
const EMAIL_SHAPE = /^[^\s@*]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,})$/;

/**
 * A strategy's output for one value (a whole column value or one detector match); null is
 * SQL NULL. Every output is JSON-string-safe when `value` is:
 * - `redact`: `[REDACTED:EMAIL]`, or `[REDACTED]` for the `COLUMN` entity;
 * - `partial`: an email keeps its domain (`***@example.com`); anything else keeps its last 4
 *   characters, the rest `*` (same length in code points); under 8 characters, all `*`;
 * - `hash`: `h:` + hex of the first 16 bytes of HMAC-SHA256(hashKey, value): deterministic
 *   per key, so joins and group-bys on hashed values still work;
 * - `null`: SQL NULL.
 */
export function applyStrategy(
  strategy: Strategy,
  value: string,
  entity: string,
  hashKey: Buffer,
): string | null {
  switch (strategy) {
    case "redact":
      return entity === COLUMN_ENTITY ? "[REDACTED]" : `[REDACTED:${entity}]`;
    case "partial":
      return partial(value, entity);
    case "hash":
      return hashValue(value, hashKey);
    case "null":
      return null;
  }
}

export function hashValue(value: string, hashKey: Buffer): string {
  return "h:" + createHmac("sha256", hashKey).update(value, "utf8").digest().toString("hex", 0, 16);
}

function partial(value: string, entity: string): string {
  if (entity === "EMAIL" || entity === COLUMN_ENTITY) {
    const email = EMAIL_SHAPE.exec(value);
    if (email !== null) return `***@${email[1]}`;
  }
  return keepLast(value, PARTIAL_KEEP);
}

/** `*` for every code point but the last `keep` (all of them when the value is short). */
export function keepLast(value: string, keep: number): string {
  // Fast path: no surrogate pairs, so code units are code points.
  const points = /[\uD800-\uDFFF]/.test(value) ? Array.from(value) : undefined;
  const length = points === undefined ? value.length : points.length;
  if (length < PARTIAL_MIN_LENGTH) return "*".repeat(length);
  const tail = points === undefined ? value.slice(-keep) : points.slice(-keep).join("");
  return "*".repeat(length - keep) + tail;
}
