import type { Match } from "../types";
import type { DetectorImpl } from "./detector";
import { CONTEXT_BOOST, keywordPattern, precededByKeyword } from "./context";
import { F_DIGIT_RUN } from "./features";

// Phone numbers. Reported on their own:
//   E.164 and international forms: `+` (or `00`) and a country code, 8–15 digits in all,
//     with or without separators: +15551234567, +44 20 7946 0958, +1 (555) 123-4567;
//   NANP: (555) 123-4567, 555-123-4567, 555.123.4567, 555 123 4567, 1-800-555-0199
//     (area code 2–9);
//   national numbers with a trunk 0 in groups: 020 7946 0958, 07700 900123, 01 23 45 67 89.
// Only with context (a column named phone/tel/mobile, or "phone:" before it): any other
// grouping of 7–15 digits, and bare digit strings of 10–15 digits.
// Never: ISO dates (2024-01-15), numbers glued to letters or dashes (ORD-2024-000123),
// decimals, or more than 15 digits.

const CANDIDATE = /\+?[(\d][\d ().-]{5,24}\d/g;
const WORDS = ["phone", "tel", "telephone", "mobile", "cell", "fax", "msisdn", "contact"];
const KEYWORDS = keywordPattern(["phone", "tel", "mobile", "cell", "fax", "call"]);

function isWordChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f
  );
}

/** Digit-group lengths of the candidate being judged (reused: no allocation per candidate). */
const groups = new Int32Array(32);

/**
 * Base confidence of a candidate (before context), 0 when it is not a phone number. The
 * candidate is digit groups separated by one of space . - with at most one group in
 * parentheses (among the first two).
 */
function confidenceOf(text: string, start: number, end: number, international: boolean): number {
  let count = 0;
  let digits = 0;
  let first = -1; // first digit
  let second = -1; // second digit
  let third = -1; // third digit
  let parenGroup = -1;
  let open = false;
  let sepRun = 0;
  let dots = false;
  let others = false;
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      let j = i;
      while (j < end && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x39) {
        if (digits === 0) first = text.charCodeAt(j);
        else if (digits === 1) second = text.charCodeAt(j);
        else if (digits === 2) third = text.charCodeAt(j);
        digits++;
        j++;
      }
      if (count === groups.length) return 0;
      if (open) {
        if (parenGroup >= 0) return 0;
        parenGroup = count;
      }
      groups[count++] = j - i;
      sepRun = 0;
      i = j;
      continue;
    }
    if (c === 0x28 /* ( */) {
      if (open || parenGroup >= 0) return 0;
      open = true;
    } else if (c === 0x29 /* ) */) {
      if (!open) return 0;
      open = false;
    } else {
      if (++sepRun > 1) return 0;
      if (c === 0x2e) dots = true;
      else others = true;
    }
    i++;
  }
  if (open || digits < 7 || digits > 15 || parenGroup > 1) return 0;
  // Dots do not mix with other separators (3.14-15 is not a phone number).
  if (dots && others) return 0;
  if (isIsoDate(text, start, count)) return 0;
  if (international) return digits >= 8 && first !== 0x30 ? 0.85 : 0;
  if (first === 0x30 && second === 0x30 && third !== 0x30 && digits >= 10) return 0.8; // 00 + country
  const g0 = groups[0]!;
  const nanp3 = count === 3 && g0 === 3 && groups[1] === 3 && groups[2] === 4;
  const nanp4 =
    count === 4 &&
    g0 === 1 &&
    first === 0x31 &&
    groups[1] === 3 &&
    groups[2] === 3 &&
    groups[3] === 4;
  if (nanp3 || nanp4) {
    const areaFirst = nanp3 ? first : second;
    const areaAt = nanp3 ? 0 : 1;
    if (areaFirst >= 0x32 && (parenGroup < 0 || parenGroup === areaAt)) return 0.8;
  }
  let grouped = count >= 2;
  for (let k = 0; k < count && grouped; k++) grouped = groups[k]! >= 2 && groups[k]! <= 8;
  if (grouped && first === 0x30 && second !== 0x30 && (digits === 10 || digits === 11) && !dots) {
    return 0.75; // national number with a trunk 0
  }
  if (count === 1) return digits >= 10 ? 0.4 : 0;
  return grouped ? 0.4 : 0;
}

/** YYYY-MM-DD at the start of the candidate. */
function isIsoDate(text: string, start: number, count: number): boolean {
  return (
    count >= 3 &&
    groups[0] === 4 &&
    groups[1] === 2 &&
    groups[2] === 2 &&
    text.charCodeAt(start + 4) === 0x2d &&
    text.charCodeAt(start + 7) === 0x2d
  );
}

export const phone: DetectorImpl = {
  name: "phone",
  contextWords: WORDS,
  requires: [[F_DIGIT_RUN, 7]],
  scan(text: string, columnContext: boolean, out: Match[]): void {
    CANDIDATE.lastIndex = 0;
    for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
      const start = m.index;
      const before = text.charCodeAt(start - 1);
      if (isWordChar(before) || before === 0x2d || before === 0x2e || before === 0x2b) continue;
      if (before === 0x2f) continue;
      let context: boolean | undefined = columnContext || undefined;
      const hasContext = () => (context ??= precededByKeyword(text, start, KEYWORDS));
      // The whole run; unless it is clearly a phone number, also the prefixes ending at a
      // group (a list of numbers separated by spaces is one run), keeping the most likely.
      let bestEnd = start + m[0].length;
      let best = judge(text, start, bestEnd, hasContext);
      for (
        let end = lastGroupEnd(text, start, bestEnd);
        best < 0.75 && end - start >= 7; // a prefix holds at least 7 digits
        end = lastGroupEnd(text, start, end)
      ) {
        const confidence = judge(text, start, end, hasContext);
        if (confidence > best) {
          best = confidence;
          bestEnd = end;
        }
      }
      if (best === 0) continue;
      out.push({ detector: "phone", start, end: bestEnd, confidence: best });
      CANDIDATE.lastIndex = bestEnd;
    }
  },
};

/** The end of the digit group before the one ending at `end`, or `start` when none. */
function lastGroupEnd(text: string, start: number, end: number): number {
  let i = end;
  while (i > start && text.charCodeAt(i - 1) >= 0x30 && text.charCodeAt(i - 1) <= 0x39) i--;
  while (i > start && !(text.charCodeAt(i - 1) >= 0x30 && text.charCodeAt(i - 1) <= 0x39)) i--;
  return i;
}

/** Confidence of text[start, end) as a phone number (context included), 0 below threshold. */
function judge(text: string, start: number, end: number, hasContext: () => boolean): number {
  const after = text.charCodeAt(end);
  if (isWordChar(after) || after === 0x2f) return 0;
  if ((after === 0x2e || after === 0x2d) && isDigit(text.charCodeAt(end + 1))) return 0;
  const international = text.charCodeAt(start) === 0x2b;
  let confidence = confidenceOf(text, international ? start + 1 : start, end, international);
  if (confidence > 0 && confidence < 0.7 && hasContext()) confidence += CONTEXT_BOOST;
  return confidence >= 0.7 ? confidence : 0;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
