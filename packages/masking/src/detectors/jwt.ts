import type { Match } from "../types";
import type { DetectorImpl } from "./detector";
import { F_DOT, F_TOKEN_RUN } from "./features";

// JSON Web Tokens (JWS compact form): three base64url segments, the header a JSON object
// with an "alg" (so it starts with "eyJ", base64 of '{"'). The signature may be empty
// (alg "none").

const CANDIDATE = /(?<![\w-])eyJ[A-Za-z0-9_-]+={0,2}\.[A-Za-z0-9_-]+={0,2}\.[A-Za-z0-9_-]*={0,2}/g;

function headerHasAlg(segment: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return (
      typeof header === "object" &&
      header !== null &&
      typeof (header as Record<string, unknown>).alg === "string"
    );
  } catch {
    return false;
  }
}

export const jwt: DetectorImpl = {
  name: "jwt",
  contextWords: ["token", "jwt", "auth", "bearer", "session"],
  requires: [
    [F_DOT, 2],
    [F_TOKEN_RUN, 20],
  ],
  scan(text: string, _columnContext: boolean, out: Match[]): void {
    CANDIDATE.lastIndex = 0;
    for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
      if (/[\w-]/.test(text[m.index + m[0].length] ?? "")) continue;
      if (!headerHasAlg(m[0].slice(0, m[0].indexOf(".")))) continue;
      out.push({ detector: "jwt", start: m.index, end: m.index + m[0].length, confidence: 0.99 });
    }
  },
};
