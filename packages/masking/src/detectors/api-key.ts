import type { Match } from "../types";
import type { DetectorImpl } from "./detector";
import { CONTEXT_BOOST } from "./context";
import { F_TOKEN_RUN } from "./features";

// API keys and tokens. Known formats are reported on their own: Stripe (sk_/rk_ live and
// test), GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), Slack (xoxb-, xoxp-, …), Google
// (AIza), GitLab (glpat-), Airlock (alk_key_, alk_ctr_), OpenAI/Anthropic (sk-…), npm
// (npm_), SendGrid (SG.). Any other high-entropy token (≥ 20 characters, letters and
// digits, Shannon entropy ≥ 3.5 bits per character) only with context: a column named
// token/secret/key/password/…, or a keyword just before it ("api_key=", "Bearer ").

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

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function looksRandom(token: string, minEntropy: number): boolean {
  const classes =
    Number(/[a-z]/.test(token)) + Number(/[A-Z]/.test(token)) + Number(/[0-9]/.test(token));
  return classes >= 2 && /[0-9]/.test(token) && shannonEntropy(token) >= minEntropy;
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
  requires: [[F_TOKEN_RUN, 16]],
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
