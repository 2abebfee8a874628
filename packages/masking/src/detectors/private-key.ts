import type { Match } from "../types";
import type { DetectorImpl } from "./detector";
import { F_DASH } from "./features";

// PEM private keys (PKCS#1 RSA, SEC1 EC, DSA, PKCS#8 plain and encrypted, OpenSSH, PGP):
// from "-----BEGIN … PRIVATE KEY-----" to the matching END line, or to the end of the value
// when the END line is missing (a truncated key is still a secret).

const PEM =
  /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----[\s\S]*?(?:-----END \1PRIVATE KEY\2-----|$(?![\s\S]))/g;

export const privateKey: DetectorImpl = {
  name: "private_key",
  contextWords: ["key", "pem", "private", "cert"],
  requires: [[F_DASH, 10]],
  scan(text: string, _columnContext: boolean, out: Match[]): void {
    PEM.lastIndex = 0;
    for (let m = PEM.exec(text); m !== null; m = PEM.exec(text)) {
      out.push({
        detector: "private_key",
        start: m.index,
        end: m.index + m[0].length,
        confidence: 0.99,
      });
    }
  },
};
