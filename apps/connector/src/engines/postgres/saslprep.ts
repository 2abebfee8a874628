// SASLprep (RFC 4013) of a SCRAM password, the way Postgres applies it on both
// sides: map, NFKC-normalise, and if the result holds a prohibited character or
// breaks the bidi rule, use the password as given (libpq's and the server's
// fallback), so a login with any password the server accepted still works.
//
// Two approximations, both only for rare non-ASCII passwords: "unassigned" is
// the current Unicode's unassigned set (the RFC pins Unicode 3.2), and the bidi
// classes come from scripts (Hebrew, Arabic, Syriac, Thaana, NKo are RandALCat;
// other letters LCat). An ASCII password without control characters is itself.

type Range = readonly [number, number];

/** C.1.2, mapped to SPACE. */
const NON_ASCII_SPACE: readonly Range[] = [
  [0x00a0, 0x00a0],
  [0x1680, 0x1680],
  [0x2000, 0x200b],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
];

/** B.1, mapped to nothing. */
const MAPPED_TO_NOTHING: readonly Range[] = [
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x1806, 0x1806],
  [0x180b, 0x180d],
  [0x200b, 0x200d],
  [0x2060, 0x2060],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
];

/** C.1.2 and C.2.1 to C.9. */
const PROHIBITED: readonly Range[] = [
  ...NON_ASCII_SPACE,
  [0x0000, 0x001f],
  [0x007f, 0x009f],
  [0x0340, 0x0341],
  [0x06dd, 0x06dd],
  [0x070f, 0x070f],
  [0x180e, 0x180e],
  [0x200c, 0x200f],
  [0x2028, 0x202e],
  [0x2060, 0x2063],
  [0x206a, 0x206f],
  [0x2ff0, 0x2ffb],
  [0xd800, 0xdfff],
  [0xe000, 0xf8ff],
  [0xfdd0, 0xfdef],
  [0xfeff, 0xfeff],
  [0xfff9, 0xfffd],
  [0x1d173, 0x1d17a],
  [0xe0001, 0xe0001],
  [0xe0020, 0xe007f],
  [0xf0000, 0xffffd],
  [0x100000, 0x10fffd],
];

const RAND_AL =
  /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;
const LETTER = /[\p{L}\p{Mc}]/u;
const UNASSIGNED = /\p{Cn}/u;

export function saslprep(password: string): string {
  // Fast path: printable ASCII maps, normalises and checks to itself.
  if (/^[\x20-\x7e]*$/.test(password)) return password;

  let mapped = "";
  for (const char of password) {
    const code = char.codePointAt(0) ?? 0;
    if (inRanges(code, NON_ASCII_SPACE)) mapped += " ";
    else if (!inRanges(code, MAPPED_TO_NOTHING)) mapped += char;
  }
  const normalized = mapped.normalize("NFKC");
  return isAllowed(normalized) ? normalized : password;
}

function isAllowed(value: string): boolean {
  const chars = [...value];
  for (const char of chars) {
    const code = char.codePointAt(0) ?? 0;
    if (inRanges(code, PROHIBITED) || isNonCharacter(code) || UNASSIGNED.test(char)) return false;
  }
  if (!chars.some((c) => RAND_AL.test(c))) return true;
  // RFC 3454 section 6: RandALCat text holds no LCat and starts and ends with RandALCat.
  const first = chars[0] ?? "";
  const last = chars[chars.length - 1] ?? "";
  if (!RAND_AL.test(first) || !RAND_AL.test(last)) return false;
  return !chars.some((c) => LETTER.test(c) && !RAND_AL.test(c));
}

/** C.4: U+xFFFE and U+xFFFF in every plane (FDD0–FDEF is in PROHIBITED). */
function isNonCharacter(code: number): boolean {
  return (code & 0xfffe) === 0xfffe;
}

function inRanges(code: number, ranges: readonly Range[]): boolean {
  return ranges.some(([low, high]) => code >= low && code <= high);
}
