import type { Match } from "../types";
import type { DetectorImpl } from "./detector";
import { F_AT, F_COLON, F_SLASH } from "./features";

// Passwords in URIs: scheme://user:password@host. Only the password is the match (the
// scheme, user and host stay readable). The password runs to the last '@' before the host,
// so an unencoded '@' (or '#') inside it is masked too.
//
// Found from each "://" (scheme read backwards, at most 32 characters) rather than by one
// regex starting with the scheme: that regex would retry the scheme at every word of a
// long dotted run, which is quadratic.

const AFTER_SCHEME = /([^\s:/@?#"'<>]*):([^\s/?"'<>]+)@(?=[^\s/?#@"'<>])/y;
const MAX_SCHEME = 32;

function isSchemeChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2b || // +
    c === 0x2e || // .
    c === 0x2d //   -
  );
}

function isLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

/** Whether a URI scheme (a letter, then letters, digits, + . -) ends at `end`. */
export function schemeEndsAt(text: string, end: number): boolean {
  let start = end;
  while (start > 0 && end - start < MAX_SCHEME && isSchemeChar(text.charCodeAt(start - 1))) start--;
  while (start < end && !isLetter(text.charCodeAt(start))) start++;
  return start < end;
}

export const uriPassword: DetectorImpl = {
  name: "uri_password",
  contextWords: ["url", "uri", "dsn", "connection", "conn"],
  requires: [
    [F_COLON, 2],
    [F_AT, 1],
    [F_SLASH, 2],
  ],
  scan(text: string, _columnContext: boolean, out: Match[]): void {
    for (let sep = text.indexOf("://"); sep >= 0; sep = text.indexOf("://", sep + 3)) {
      if (!schemeEndsAt(text, sep)) continue;
      AFTER_SCHEME.lastIndex = sep + 3;
      const m = AFTER_SCHEME.exec(text);
      if (m === null) continue;
      const end = AFTER_SCHEME.lastIndex - 1; // before the '@'
      out.push({ detector: "uri_password", start: end - m[2]!.length, end, confidence: 0.95 });
    }
  },
};
