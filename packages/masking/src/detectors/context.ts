// Context: words in a column's name, or just before a match in the text, that make a weak
// candidate (nine bare digits, a 40-character base64 string) likely enough to report.

/** A candidate is reported when its confidence reaches this. */
export const THRESHOLD = 0.7;
/** Added to a candidate's confidence by a context word (column name or nearby text). */
export const CONTEXT_BOOST = 0.3;

/** Lowercased words of an identifier: `customerPhone_no` → customer, phone, no. */
export function identifierWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/**
 * Whether a column name carries one of the context words: a short word (≤ 3 letters:
 * cc, ip, tel, ssn) must be a whole word of the name, a longer one may be part of a word
 * (`email` in `emailaddress`).
 */
export function nameHasContext(columnName: string | undefined, words: readonly string[]): boolean {
  if (columnName === undefined || columnName === "") return false;
  const parts = identifierWords(columnName);
  return words.some((w) => parts.some((p) => p === w || (w.length > 3 && p.includes(w))));
}

/** Keywords that, just before a candidate in the text, raise it. */
export interface Keywords {
  readonly words: readonly string[];
  readonly pattern: RegExp;
}

/** The keywords, and a regex finding one of them at the end of the text before a match. */
export function keywordPattern(words: readonly string[]): Keywords {
  const alternatives = words.map((w) => w.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&")).join("|");
  // The keyword, a few more word characters or words (`SSN_NUMBER`, `social security
  // number`), then a few separators (`ssn: `, `"token":"`, `key = `).
  const pattern = new RegExp(
    `(?:^|[^a-z0-9])(?:${alternatives})[\\w -]{0,16}?[\\s"':=#>-]{0,4}$`,
    "i",
  );
  return { words: words.map((w) => w.toLowerCase()), pattern };
}

/** Whether a keyword ends within the 40 characters before `start`. */
export function precededByKeyword(text: string, start: number, keywords: Keywords): boolean {
  const window = text.slice(Math.max(0, start - 40), start).toLowerCase();
  // A plain substring search first: most windows hold none of the words.
  return keywords.words.some((w) => window.includes(w)) && keywords.pattern.test(window);
}
