import { isIPv6 } from "node:net";
import type { Match } from "../types";
import type { DetectorImpl } from "./detector";
import { F_COLON, F_DIGIT, F_DOT } from "./features";

// IPv4: a dotted quad of 0–255 without leading zeros, standing alone (not inside a longer
// dotted number such as an OID 1.3.6.1.4.1, nor glued to letters as in v1.2.3.4).
// Decision: a quad right after a version word (v, ver, version, release, build, rev,
// firmware; "version 10.2.1.0", "build: 1.2.3.4") is a version, not an address. 0.0.0.0
// and quads starting with 255 (netmasks, broadcast) are not reported.
//
// IPv6: a run of hex digits and colons (with an optional dotted IPv4 tail and %zone),
// validated by node:net isIPv6. Compressed forms must hold a digit and either three
// groups or a group of 3+ characters, so "::1", "1::2" (a slice) or "Face::Add" (a C++
// name) are not reported.

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?![\\w]|\\.\\w)`, "g");
const VERSION_WORD = /(?:^|[^a-z])(?:v|ver|version|release|build|rev|revision|firmware)[\s:=#]*$/i;

export const ipv4: DetectorImpl = {
  name: "ipv4",
  contextWords: ["ip", "addr", "address", "host"],
  requires: [
    [F_DOT, 3],
    [F_DIGIT, 4],
  ],
  scan(text: string, _columnContext: boolean, out: Match[]): void {
    IPV4.lastIndex = 0;
    for (let m = IPV4.exec(text); m !== null; m = IPV4.exec(text)) {
      const quad = m[0];
      if (quad === "0.0.0.0" || quad.startsWith("255.")) continue;
      if (VERSION_WORD.test(text.slice(Math.max(0, m.index - 20), m.index))) continue;
      out.push({ detector: "ipv4", start: m.index, end: m.index + quad.length, confidence: 0.8 });
    }
  },
};

const IPV6 = /(?<![\w:.])[0-9A-Fa-f:][0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%[\w.]+)?/g;

export const ipv6: DetectorImpl = {
  name: "ipv6",
  contextWords: ["ip", "ipv6", "addr", "address", "host"],
  requires: [[F_COLON, 2]],
  scan(text: string, columnContext: boolean, out: Match[]): void {
    IPV6.lastIndex = 0;
    for (let m = IPV6.exec(text); m !== null; m = IPV6.exec(text)) {
      let candidate = m[0];
      while (candidate.endsWith(".")) candidate = candidate.slice(0, -1); // end of sentence
      const end = m.index + candidate.length;
      if (/[\w]/.test(text[end] ?? "") && !candidate.includes("%")) continue;
      const percent = candidate.indexOf("%");
      const address = percent < 0 ? candidate : candidate.slice(0, percent);
      if (!isIPv6(address)) continue;
      let confidence = 0.9;
      if (address.includes("::")) {
        const groups = address.split(":").filter((g) => g !== "");
        const plausible =
          /\d/.test(address) && (groups.length >= 3 || groups.some((g) => g.length >= 3));
        confidence = plausible ? 0.8 : 0.5;
      }
      if (confidence < 0.7 && columnContext) confidence += 0.3;
      out.push({ detector: "ipv6", start: m.index, end, confidence });
    }
  },
};
