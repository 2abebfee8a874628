import type { Match } from "../types";
import type { DetectorImpl } from "./detector";
import { CONTEXT_BOOST, keywordPattern, precededByKeyword } from "./context";
import { F_DIGIT_RUN } from "./features";

// US Social Security numbers: AAA-GG-SSSS, where no valid number has area 000, 666 or
// 900–999, group 00 or serial 0000. Dashed: reported on its own. Space-separated or nine
// bare digits: only with context (a column named ssn/social, or "SSN:" before it).

const CANDIDATE = /(?<![\w.+-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w]|[.-]\d)/g;
const WORDS = ["ssn", "social", "socialsecurity", "ss"];
const KEYWORDS = keywordPattern(["ssn", "social security", "ss#", "ss no"]);

export function ssnValid(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  return a !== 0 && a !== 666 && a < 900 && group !== "00" && serial !== "0000";
}

export const ssn: DetectorImpl = {
  name: "ssn",
  contextWords: WORDS,
  requires: [[F_DIGIT_RUN, 9]],
  scan(text: string, columnContext: boolean, out: Match[]): void {
    CANDIDATE.lastIndex = 0;
    for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
      if (!ssnValid(m[1]!, m[3]!, m[4]!)) continue;
      let confidence = m[2] === "-" ? 0.85 : m[2] === " " ? 0.5 : 0.45;
      if (confidence < 0.7 && (columnContext || precededByKeyword(text, m.index, KEYWORDS))) {
        confidence += CONTEXT_BOOST;
      }
      out.push({ detector: "ssn", start: m.index, end: m.index + m[0].length, confidence });
    }
  },
};
