import type { Match } from "../types";
import type { DetectorImpl } from "./detector";
import { F_IBAN_START, F_LENGTH } from "./features";

// IBAN (ISO 13616): country code, two check digits, then the BBAN, compact or in groups
// separated by single spaces; the length must be the country's and the mod-97 remainder 1.

/** IBAN lengths per country (SWIFT IBAN registry). */
const LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MR: 27,
  MT: 31,
  MU: 30,
  NL: 18,
  NO: 15,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  SA: 24,
  SC: 31,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
};

const CANDIDATE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}/g;

/** ISO 7064 mod 97-10 over the rearranged IBAN, computed in chunks (no bigint). */
export function ibanChecksumValid(compact: string): boolean {
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      remainder = (remainder * 10 + (c - 0x30)) % 97;
    } else if (c >= 0x41 && c <= 0x5a) {
      remainder = (remainder * 100 + (c - 0x41 + 10)) % 97;
    } else {
      return false;
    }
  }
  return remainder === 1;
}

export const iban: DetectorImpl = {
  name: "iban",
  contextWords: ["iban", "account", "bank"],
  requires: [
    [F_IBAN_START, 1],
    [F_LENGTH, 15],
  ],
  scan(text: string, _columnContext: boolean, out: Match[]): void {
    CANDIDATE.lastIndex = 0;
    for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
      const length = LENGTHS[m[0].slice(0, 2)];
      if (length === undefined) continue;
      // Take exactly the country's length of characters; the next one must not continue
      // the same group ("… 3200 EUR" is fine, "…3200X" is not an IBAN).
      let taken = 0;
      let end = m.index;
      while (end < m.index + m[0].length && taken < length) {
        if (text[end] !== " ") taken++;
        end++;
      }
      if (taken < length || /[A-Za-z0-9]/.test(text[end] ?? "")) continue;
      const compact = text.slice(m.index, end).replace(/ /g, "");
      if (!ibanChecksumValid(compact)) continue;
      out.push({ detector: "iban", start: m.index, end, confidence: 0.95 });
      CANDIDATE.lastIndex = end;
    }
  },
};
