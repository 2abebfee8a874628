import type { Match } from "../types";
import type { DetectorImpl } from "./detector";
import { CONTEXT_BOOST, keywordPattern, precededByKeyword } from "./context";
import { F_DIGIT_RUN, F_NOT_UUID, isUuid } from "./features";

// Payment card numbers: 13–19 digits, optionally in groups of 3–8 separated by one space
// or one dash (the same separator throughout), Luhn-valid. A number in a known issuer range
// (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro) is reported on its own;
// any other Luhn-valid number (a 13-digit millisecond timestamp is Luhn-valid one time in
// ten) only with context. A run of digit groups is found first, then split into candidates,
// so "4111 1111 1111 1111 123" (a card then a CVV) still yields the card. Digits that are
// part of a longer identifier are not a card: a UUID (even one of digits only), or a run
// joined by a dash to a group of hex digits (`…-9d4a-4123-8123-1f2e3d4c5b6a`).

const RUN = /\d+(?:[ -]\d+)*/g;
const WORDS = ["card", "cc", "pan", "credit", "visa", "mastercard", "amex"];
const KEYWORDS = keywordPattern(WORDS);

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 0x30;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export function knownIssuer(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  if (digits[0] === "4") return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // Amex
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649)) return n >= 16; // Discover
  if (p4 >= 3528 && p4 <= 3589) return n >= 16; // JCB
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14; // Diners
  if (p2 === 62) return n >= 16; // UnionPay
  if (p2 === 50 || (p2 >= 56 && p2 <= 58) || p2 === 63 || p2 === 67) return n >= 12; // Maestro
  return false;
}

function isWordChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f
  );
}

function isHexLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** At most this many characters of a neighbouring group are looked at (linear time). */
const MAX_HEX_GROUP = 64;

/**
 * Whether the run `text[start..end)` is joined by a dash to a group of 4 or more hex
 * digits (a whole word: `…1e-` before it, `-1f2e…` after it). The group has a letter, or
 * the run would have taken it in.
 */
function joinedToHex(text: string, start: number, end: number): boolean {
  if (text.charCodeAt(start - 1) === 0x2d) {
    let i = start - 2;
    const stop = Math.max(0, start - 2 - MAX_HEX_GROUP);
    for (; i >= stop; i--) {
      const c = text.charCodeAt(i);
      if (!isHexLetter(c) && (c < 0x30 || c > 0x39)) break;
    }
    if (start - 2 - i >= 4 && (i < stop || !isWordChar(text.charCodeAt(i)))) return true;
  }
  if (text.charCodeAt(end) === 0x2d) {
    let i = end + 1;
    const stop = Math.min(text.length, end + 1 + MAX_HEX_GROUP);
    for (; i < stop; i++) {
      const c = text.charCodeAt(i);
      if (!isHexLetter(c) && (c < 0x30 || c > 0x39)) break;
    }
    if (i - end - 1 >= 4 && (i === stop || !isWordChar(text.charCodeAt(i)))) return true;
  }
  return false;
}

function allSame(digits: string): boolean {
  for (let i = 1; i < digits.length; i++) if (digits[i] !== digits[0]) return false;
  return true;
}

export const creditCard: DetectorImpl = {
  name: "credit_card",
  contextWords: WORDS,
  requires: [
    [F_DIGIT_RUN, 13],
    [F_NOT_UUID, 1],
  ],
  scan(text: string, columnContext: boolean, out: Match[]): void {
    RUN.lastIndex = 0;
    for (let m = RUN.exec(text); m !== null; m = RUN.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      const before = text.charCodeAt(start - 1);
      // Inside a word, a decimal (0.4111…), or a dotted/longer number: not a card.
      if (isWordChar(before) || before === 0x2e) continue;
      if (
        isWordChar(text.charCodeAt(end)) ||
        (text[end] === "." && /\d/.test(text[end + 1] ?? ""))
      ) {
        continue;
      }
      if (joinedToHex(text, start, end)) continue;
      findInRun(text, start, m[0], columnContext, out);
    }
  },
};

/**
 * Candidates in one run of digit groups: from each group, the most confident (then the
 * longest) window of groups (one separator kind, groups of 3–8 digits unless the window is
 * a single group) whose digits form a valid card number.
 */
function findInRun(text: string, runStart: number, run: string, context: boolean, out: Match[]) {
  const groups: { start: number; end: number; sep: string }[] = [];
  const group = /\d+/g;
  for (let g = group.exec(run); g !== null; g = group.exec(run)) {
    groups.push({ start: g.index, end: g.index + g[0].length, sep: run[g.index - 1] ?? "" });
  }
  let first = 0;
  while (first < groups.length) {
    if (isUuid(text, runStart + groups[first]!.start, runStart + groups[first]!.start + 36)) {
      first += 5; // a UUID of digits only: its groups are no card
      continue;
    }
    let best: Match | undefined;
    let bestLast = first;
    let digits = 0;
    for (let last = first; last < groups.length; last++) {
      const g = groups[last]!;
      if (last > first) {
        if (g.sep !== groups[first + 1]!.sep) break;
        if (!groupSized(g) || !groupSized(groups[first]!)) break;
      }
      digits += g.end - g.start;
      if (digits > 19) break;
      if (digits < 13) continue;
      const match = judge(
        text,
        runStart + groups[first]!.start,
        run.slice(groups[first]!.start, g.end),
        context,
      );
      if (match !== undefined && match.confidence >= (best?.confidence ?? 0)) {
        best = match;
        bestLast = last;
      }
    }
    if (best !== undefined) out.push(best);
    first = best !== undefined ? bestLast + 1 : first + 1;
  }
}

function groupSized(g: { start: number; end: number }): boolean {
  const len = g.end - g.start;
  return len >= 3 && len <= 8;
}

function judge(
  text: string,
  start: number,
  candidate: string,
  context: boolean,
): Match | undefined {
  const digits = candidate.replace(/[ -]/g, "");
  if (!luhnValid(digits) || allSame(digits)) return undefined;
  let confidence = knownIssuer(digits) ? 0.95 : 0.5;
  if (confidence < 0.7 && (context || precededByKeyword(text, start, KEYWORDS))) {
    confidence += CONTEXT_BOOST;
  }
  return { detector: "credit_card", start, end: start + candidate.length, confidence };
}
