import type { Match } from "../types";
import type { DetectorImpl } from "./detector";
import { F_AT, F_DOT, F_LENGTH } from "./features";
import { schemeEndsAt } from "./uri-password";

// RFC 5321-ish, ASCII: a local part of atext-like characters (no '*', so a masked
// `***@example.com` never matches again) and a domain of LDH labels ending in a TLD of
// two or more letters. Found from each '@' outwards rather than by one regex over the whole
// text, which would try the local-part run at every position.

const DOMAIN =
  /(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])/y;
/** `icon@2x.png`: an image-density suffix, not a domain. */
const DENSITY_SUFFIX = /^\d+x\./i;

function isLocalChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2e || // .
    c === 0x5f || // _
    c === 0x25 || // %
    c === 0x2b || // +
    c === 0x2d //   -
  );
}

/**
 * Whether `start` follows `scheme://` or `scheme://user:`: the local part is then a URI's
 * user or password, not an email (postgres://admin@db.example.com).
 */
function inUriUserinfo(text: string, start: number): boolean {
  const before = text.charCodeAt(start - 1);
  if (before !== 0x3a && before !== 0x2f) return false;
  let i = start;
  if (before === 0x3a) {
    i--; // the user runs back to "://"
    while (i > 0 && start - i < 100 && !/[\s/@:]/.test(text[i - 1]!)) i--;
  }
  return text.startsWith("://", i - 3) && schemeEndsAt(text, i - 3);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** No dot at the end of the local part, and no two in a row. */
function localDotsValid(text: string, start: number, at: number): boolean {
  if (text.charCodeAt(at - 1) === 0x2e) return false;
  for (let i = start + 1; i < at; i++) {
    if (text.charCodeAt(i) === 0x2e && text.charCodeAt(i - 1) === 0x2e) return false;
  }
  return true;
}

export const email: DetectorImpl = {
  name: "email",
  contextWords: ["email", "mail"],
  requires: [
    [F_AT, 1],
    [F_DOT, 1],
    [F_LENGTH, 6],
  ],
  scan(text: string, _columnContext: boolean, out: Match[]): void {
    for (let at = text.indexOf("@"); at >= 0; at = text.indexOf("@", at + 1)) {
      let start = at;
      while (start > 0 && at - start < 64 && isLocalChar(text.charCodeAt(start - 1))) start--;
      if (start > 0 && isLocalChar(text.charCodeAt(start - 1))) continue; // local part > 64
      while (start < at && text.charCodeAt(start) === 0x2e) start++; // leading dots
      if (start === at || !localDotsValid(text, start, at)) continue;
      DOMAIN.lastIndex = at + 1;
      const domain = DOMAIN.exec(text);
      if (domain === null) continue;
      if (isDigit(text.charCodeAt(at + 1)) && DENSITY_SUFFIX.test(domain[0])) continue;
      if (inUriUserinfo(text, start)) continue;
      out.push({ detector: "email", start, end: DOMAIN.lastIndex, confidence: 0.95 });
    }
  },
};
