import type { Match } from "../types";
import type { DetectorImpl } from "./detector";
import { CONTEXT_BOOST } from "./context";
import { F_NOT_UUID, F_TOKEN_RUN, isUuid } from "./features";

// API keys and tokens. Known formats are reported on their own: Stripe (sk_/rk_ live and
// test), GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), Slack (xoxb-, xoxp-, …), Google
// (AIza), GitLab (glpat-), Airlock (alk_key_, alk_ctr_), OpenAI/Anthropic (sk-…), npm
// (npm_), SendGrid (SG.). Any other high-entropy token (≥ 20 characters, letters and
// digits, Shannon entropy ≥ 3.5 bits per character) only with context: a column named
// token/secret/key/password/…, or a keyword just before it ("api_key=", "Bearer "). A
// canonical UUID (8-4-4-4-12 hex digits) is an identifier, never a key.

const KNOWN = new RegExp(
  "(?<![A-Za-z0-9_-])(?:" +
    [
      "[sr]k_(?:live|test)_[0-9A-Za-z]{16,}",
      "gh[pousr]_[A-Za-z0-9]{36,}",
      "github_pat_[A-Za-z0-9_]{22,}",
      "xox[abposr]-[A-Za-z0-9-]{10,}",
      "AIza[0-9A-Za-z_-]{35}",
      "glpat-[A-Za-z0-9_-]{20,}",
      "alk_(?:key|ctr)_[0-9a-f]{12}_[A-Za-z0-9_-]{43}",
      "sk-(?:proj-|ant-[a-z]+\\d*-)?[A-Za-z0-9_-]{20,}",
      "npm_[A-Za-z0-9]{36}",
      "SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}",
    ].join("|") +
    ")(?![A-Za-z0-9_-])",
  "g",
);

/** Characters of a generic token. */
const TOKEN = /(?<![A-Za-z0-9_\-+/=.~])[A-Za-z0-9_\-+/=.~]{20,}/g;
/** A keyword, then `=`, `:` or spaces, then the token (bounded runs: no backtracking blow-up). */
const KEYWORD_TOKEN =
  /(?:^|[^A-Za-z0-9])(?:api[_-]?key|apikey|access[_-]?token|auth[_-]?token|refresh[_-]?token|token|secret|client[_-]?secret|bearer|passw(?:or)?d|pwd|credentials?)["']?(?:\s{1,4}|\s{0,4}[:=]\s{0,4})["']?([A-Za-z0-9_\-+/=.~]{16,})/gi;
const HASH_OUTPUT = /^[0-9a-f]{32}$/;

export const ENTROPY_THRESHOLD = 3.5;

/** Character counts of `shannonEntropy`, reused across calls and left zeroed. */
const counts = new Int32Array(256);

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) {
      for (let j = 0; j < i; j++) counts[s.charCodeAt(j)] = 0;
      return entropyOfText(s);
    }
    counts[c]!++;
  }
  let h = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const k = counts[c]!;
    if (k === 0) continue; // already counted
    counts[c] = 0;
    const p = k / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Shannon entropy of any text (by code point, over its length in code units). */
function entropyOfText(s: string): number {
  const byChar = new Map<string, number>();
  for (const ch of s) byChar.set(ch, (byChar.get(ch) ?? 0) + 1);
  let h = 0;
  for (const k of byChar.values()) {
    const p = k / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

const LOWER = 1;
const UPPER = 2;
const DIGIT = 4;

/**
 * Letters and digits (two of lowercase, uppercase, digits; digits among them), not a
 * UUID, and entropy ≥ `minEntropy`: the cheap checks first.
 */
function looksRandom(token: string, minEntropy: number): boolean {
  let classes = 0;
  for (let i = 0; i < token.length && classes !== (LOWER | UPPER | DIGIT); i++) {
    const c = token.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) classes |= LOWER;
    else if (c >= 0x41 && c <= 0x5a) classes |= UPPER;
    else if (c >= 0x30 && c <= 0x39) classes |= DIGIT;
  }
  if ((classes & DIGIT) === 0 || classes === DIGIT) return false;
  return !isUuid(token) && shannonEntropy(token) >= minEntropy;
}

export const apiKey: DetectorImpl = {
  name: "api_key",
  contextWords: [
    "token",
    "secret",
    "key",
    "apikey",
    "password",
    "passwd",
    "pwd",
    "api",
    "credential",
    "auth",
    "bearer",
  ],
  // A value that is just a UUID holds no key (nor any known format: they are not hex).
  requires: [
    [F_TOKEN_RUN, 16],
    [F_NOT_UUID, 1],
  ],
  scan(text: string, columnContext: boolean, out: Match[]): void {
    KNOWN.lastIndex = 0;
    for (let m = KNOWN.exec(text); m !== null; m = KNOWN.exec(text)) {
      out.push({
        detector: "api_key",
        start: m.index,
        end: m.index + m[0].length,
        confidence: 0.95,
      });
    }
    const generic = 0.4 + CONTEXT_BOOST;
    if (columnContext) {
      TOKEN.lastIndex = 0;
      for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
        if (isHashOutput(text, m.index, m[0]) || !looksRandom(m[0], ENTROPY_THRESHOLD)) continue;
        out.push({
          detector: "api_key",
          start: m.index,
          end: m.index + m[0].length,
          confidence: generic,
        });
      }
      return;
    }
    KEYWORD_TOKEN.lastIndex = 0;
    for (let m = KEYWORD_TOKEN.exec(text); m !== null; m = KEYWORD_TOKEN.exec(text)) {
      const token = m[1]!;
      const start = m.index + m[0].length - token.length;
      if (isHashOutput(text, start, token) || !looksRandom(token, 3.0)) continue;
      out.push({ detector: "api_key", start, end: start + token.length, confidence: generic });
    }
  },
};

/** The `hash` strategy's own output (`h:` + 32 hex digits) is not a key. */
function isHashOutput(text: string, start: number, token: string): boolean {
  return text.slice(start - 2, start) === "h:" && HASH_OUTPUT.test(token);
}
