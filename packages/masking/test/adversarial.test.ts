import { describe, expect, it } from "vitest";
import { DETECTORS, findMatches } from "../src/index";

// Every row of every result goes through the detectors, so a crafted value must not make
// a regex backtrack for seconds (the connector would stall). 100 KB values shaped to
// defeat each pattern, with a prefix and suffix that pass every prefilter, must be scanned
// in well under a second (they take a few milliseconds; a quadratic pattern took 3–14 s).
const N = 100_000;
const BAIT =
  " x://u:p@h.io AKIAAAAAAAAAAAAAAAAA aaaaaaaaaaaaaaaaaaaaaaaaaaaAAAAAAAAA1111111111111 " +
  "---------- 1234567890123 DE89 a:b:c eyJx.eyJ.x ";

const CASES: [string, string][] = [
  ["a dotted run before ://", "a.".repeat(N / 2) + "://"],
  ["a keyword followed by spaces", "token" + " ".repeat(N)],
  ["repeated user:password@", "x:y@".repeat(N / 4)],
  ["eyJ and a long token", "eyJ" + "a".repeat(N)],
  ["BEGIN lines without END", "-----BEGIN PRIVATE KEY-----".repeat(N / 27)],
  ["digits separated by spaces", "1 ".repeat(N / 2)],
  ["many @", "a@".repeat(N / 2)],
  ["colons", ":".repeat(N)],
  ["dotted digits", "1.".repeat(N / 2)],
  ["AKIA repeated", "AKIA".repeat(N / 4)],
  ["hex and colons", "a:".repeat(N / 2)],
  ["one long number", "1".repeat(N)],
  ["digits and dashes", "1-".repeat(N / 2)],
  ["IBAN starts", "AB12".repeat(N / 4)],
  ["scheme:// repeated", "a://".repeat(N / 4)],
  ["a long URI password", "http://u:" + "p".repeat(N)],
  ["@ and dots", "a@b.".repeat(N / 4)],
  ["base64", "Ab1/".repeat(N / 4)],
  ["keyword= repeated", "token=".repeat(N / 6)],
  ["parentheses and digits", "(1".repeat(N / 2)],
  ["dashed hex groups and digits", "abcd-1234-".repeat(N / 10)],
  ["long hex groups around digit runs", `${"f".repeat(70)}-1234567890123-`.repeat(N / 86)],
  ["UUIDs", "3f2b8c1e-9d4a-4e6b-8a7c-1f2e3d4c5b6a ".repeat(N / 37)],
];

describe("detectors on adversarial values", () => {
  it.each(CASES)("%s is scanned in linear time", (_name, body) => {
    for (const columnName of [undefined, "api_token_phone_ssn_card"]) {
      const start = performance.now();
      findMatches(BAIT + body + BAIT, DETECTORS, { columnName });
      expect(performance.now() - start).toBeLessThan(1000);
    }
  });
});
