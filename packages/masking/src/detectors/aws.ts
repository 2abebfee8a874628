import type { Match } from "../types";
import type { DetectorImpl } from "./detector";
import { CONTEXT_BOOST, keywordPattern, precededByKeyword } from "./context";
import { F_TOKEN_RUN, F_UPPER } from "./features";

// AWS credentials. An access key id is structurally unambiguous: AKIA (long-term) or ASIA
// (temporary) and 16 uppercase letters or digits. A secret access key is 40 characters of
// base64 (A–Z a–z 0–9 / +) with upper and lower case and a digit or symbol: reported only
// with context, i.e. a column named secret/aws/…, "secret" just before it, or an access
// key id in the same value. A lowercase hex string of 40 (a git SHA-1) never is.

const ACCESS_KEY = /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;
const HAS_ACCESS_KEY = /(?:AKIA|ASIA)[A-Z0-9]{16}/;
const SECRET = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
const SECRET_KEYWORDS = keywordPattern([
  "secret",
  "aws_secret",
  "secret_access_key",
  "secretaccesskey",
]);

export const awsAccessKey: DetectorImpl = {
  name: "aws_access_key",
  contextWords: ["aws", "access_key", "accesskey", "key"],
  requires: [
    [F_UPPER, 4],
    [F_TOKEN_RUN, 20],
  ],
  scan(text: string, _columnContext: boolean, out: Match[]): void {
    ACCESS_KEY.lastIndex = 0;
    for (let m = ACCESS_KEY.exec(text); m !== null; m = ACCESS_KEY.exec(text)) {
      out.push({ detector: "aws_access_key", start: m.index, end: m.index + 20, confidence: 0.95 });
    }
  },
};

export const awsSecretKey: DetectorImpl = {
  name: "aws_secret_key",
  contextWords: ["secret", "aws", "secret_key", "secretkey", "credential"],
  requires: [
    [F_TOKEN_RUN, 40],
    [F_UPPER, 1],
  ],
  scan(text: string, columnContext: boolean, out: Match[]): void {
    SECRET.lastIndex = 0;
    let nearAccessKey: boolean | undefined;
    for (let m = SECRET.exec(text); m !== null; m = SECRET.exec(text)) {
      const s = m[0];
      if (!/[A-Z]/.test(s) || !/[a-z]/.test(s) || !/[0-9/+]/.test(s)) continue;
      nearAccessKey ??= HAS_ACCESS_KEY.test(text);
      const context =
        columnContext || nearAccessKey || precededByKeyword(text, m.index, SECRET_KEYWORDS);
      const confidence = 0.4 + (context ? CONTEXT_BOOST : 0);
      out.push({ detector: "aws_secret_key", start: m.index, end: m.index + 40, confidence });
    }
  },
};
