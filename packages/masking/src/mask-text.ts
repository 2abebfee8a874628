import type { MaskCounts } from "./types";
import { type Detector, entityOf } from "./detectors/names";
import type { Features } from "./detectors/features";
import { type Scanner, scan } from "./find-matches";
import { type Strategy, applyStrategy } from "./strategies";

/**
 * How a value's text is written: plain text; JSON (matches sit inside JSON strings, so a
 * match must not start or end inside an escape, and a kept tail must need no escaping);
 * XML (a kept tail must hold no markup or entity); or a raw COPY field, still escaped
 * (backslash escapes, as in JSON; a kept tail must hold no backslash, quote or control).
 */
export type TextSyntax = "text" | "json" | "xml" | "copy";

export interface ContentRules {
  readonly scanner: Scanner;
  /** Strategy per detector, for the detectors of `scanner`. */
  readonly strategies: ReadonlyMap<Detector, Strategy>;
  readonly syntax: TextSyntax;
}

/** Adds 1 to `counts[entity]`. */
export function countEntity(counts: MaskCounts, entity: string): void {
  counts[entity] = (counts[entity] ?? 0) + 1;
}

/**
 * Replaces every detector match in `text` with its strategy's output. Returns undefined
 * when nothing matched, null when a match's strategy is `null` (the whole value becomes
 * NULL). Counts each entity once per value.
 */
export function maskText(
  text: string,
  rules: ContentRules,
  f: Features,
  hashKey: Buffer,
  counts: MaskCounts,
): string | null | undefined {
  const matches = scan(text, rules.scanner, f);
  if (matches.length === 0) return undefined;
  const only = matches.length === 1 ? matches[0]! : undefined;
  if (only !== undefined && only.start === 0 && only.end === text.length) {
    // The whole value is one match (an email column holding an email): no splicing.
    const entity = entityOf(only.detector);
    countEntity(counts, entity);
    const strategy = rules.strategies.get(only.detector) ?? "redact";
    const out = applyStrategy(strategy, text, entity, hashKey);
    if (out === null || strategy !== "partial" || tailIsSafe(text, rules.syntax)) return out;
    return "*".repeat(out.length);
  }
  const seen: string[] = [];
  let toNull = false;
  let out = "";
  let pos = 0;
  for (const m of matches) {
    const entity = entityOf(m.detector);
    if (!seen.includes(entity)) {
      seen.push(entity);
      countEntity(counts, entity);
    }
    const strategy = rules.strategies.get(m.detector) ?? "redact";
    if (strategy === "null") {
      toNull = true;
      continue;
    }
    let start = m.start;
    let end = m.end;
    if (rules.syntax === "json" || rules.syntax === "copy") {
      start = afterEscape(text, start, rules.syntax);
      end = afterEscape(text, end, rules.syntax);
      if (start >= end) continue;
    }
    const original = text.slice(start, end);
    let replacement = applyStrategy(strategy, original, entity, hashKey) ?? "";
    if (strategy === "partial" && !tailIsSafe(original, rules.syntax)) {
      replacement = "*".repeat(replacement.length);
    }
    out += text.slice(pos, start) + replacement;
    pos = end;
  }
  if (toNull) return null;
  return out + text.slice(pos);
}

/**
 * In escaped text, a position right after an unpaired backslash is inside an escape
 * (`\nbob@example.com` scanned as `nbob@…`): move it past the escape (`\u` and four hex digits in JSON;
 * one character in COPY, which only writes \\ \b \f \n \r \t \v).
 */
function afterEscape(text: string, pos: number, syntax: "json" | "copy"): number {
  let backslashes = 0;
  for (let i = pos - 1; i >= 0 && text.charCodeAt(i) === 0x5c; i--) backslashes++;
  if (backslashes % 2 === 0) return pos;
  const unicode = syntax === "json" && text.charCodeAt(pos) === 0x75; /* u */
  return Math.min(text.length, pos + (unicode ? 5 : 1));
}

/** Whether a `partial` output's kept characters can be left as they are in this syntax. */
function tailIsSafe(original: string, syntax: TextSyntax): boolean {
  switch (syntax) {
    case "text":
      return true;
    case "json":
      // eslint-disable-next-line no-control-regex
      return !/["\\\u0000-\u001f]/.test(original);
    case "xml":
      return !/[<>&]/.test(original);
    case "copy":
      // eslint-disable-next-line no-control-regex
      return !/["\\\u0000-\u001f]/.test(original);
  }
}
