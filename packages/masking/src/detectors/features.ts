// Cheap character counts over a value, computed once and shared by every detector's
// prefilter (`requires`): a value without '@' never reaches the email scanner, one without
// 13 digits in a row (spaces and dashes allowed) never reaches the card scanner, one
// without a 16-character token never reaches the API key scanner, and a value that is just
// a UUID reaches neither of those two. Works on raw bytes too, so most values are never
// decoded to a string.

export const F_DIGIT = 0;
export const F_UPPER = 1;
export const F_AT = 3;
export const F_DOT = 4;
export const F_COLON = 5;
export const F_DASH = 6;
export const F_SLASH = 8;
/** Length in bytes (from a Buffer) or code units (from a string). */
export const F_LENGTH = 10;
/** Most digits in one run of digits and `space ( ) + . -` (phone, SSN, card numbers). */
export const F_DIGIT_RUN = 11;
/** Longest run of token characters `A-Z a-z 0-9 _ - + / = . ~` (keys, tokens, JWTs). */
export const F_TOKEN_RUN = 12;
/** Places where two uppercase letters are followed by two digits (an IBAN's start). */
export const F_IBAN_START = 13;
/** 1 unless the whole value is a canonical UUID (8-4-4-4-12 hex digits), then 0. */
export const F_NOT_UUID = 14;

export type Features = Int32Array;

const DIGIT = 1;
/** Continues a digit run without counting: space ( ) + . - */
const NUMBER_PUNCT = 2;
const TOKEN = 4;
const UPPER = 8;
/** One of @ . : - / : counted one by one. */
const SPECIAL = 16;
const FLAGS = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) FLAGS[c] = DIGIT | TOKEN;
for (let c = 0x41; c <= 0x5a; c++) FLAGS[c] = TOKEN | UPPER;
for (let c = 0x61; c <= 0x7a; c++) FLAGS[c] = TOKEN;
/** Hex digits 0-9 A-F a-f. */
const HEX = new Uint8Array(256);
for (const c of "0123456789ABCDEFabcdef") HEX[c.charCodeAt(0)] = 1;
/** Length of a canonical UUID, and where its dashes are. */
const UUID_LENGTH = 36;
const isUuidDash = (i: number): boolean => i === 8 || i === 13 || i === 18 || i === 23;

/** Whether `buf[start..]` is exactly a canonical UUID. */
export function bufferIsUuid(buf: Uint8Array, start: number): boolean {
  if (buf.length - start !== UUID_LENGTH) return false;
  for (let i = 0; i < UUID_LENGTH; i++) {
    const b = buf[start + i]!;
    if (isUuidDash(i) ? b !== 0x2d : HEX[b] !== 1) return false;
  }
  return true;
}

/** Whether `text[start..end)` is exactly a canonical UUID (either case). */
export function isUuid(text: string, start = 0, end = text.length): boolean {
  if (end - start !== UUID_LENGTH) return false;
  for (let i = 0; i < UUID_LENGTH; i++) {
    const c = text.charCodeAt(start + i);
    if (isUuidDash(i) ? c !== 0x2d : c > 0xff || HEX[c] !== 1) return false;
  }
  return true;
}

for (const c of " ()+.-_/=~@:") {
  const code = c.charCodeAt(0);
  if (" ()+.-".includes(c)) FLAGS[code]! |= NUMBER_PUNCT;
  if ("+.-_/=~".includes(c)) FLAGS[code]! |= TOKEN;
  if ("@.:-/".includes(c)) FLAGS[code]! |= SPECIAL;
}

export function newFeatures(): Features {
  return new Int32Array(F_NOT_UUID + 1);
}

/** Counts of the rarer characters, kept apart so the hot loop only touches locals. */
class SpecialCounts {
  at = 0;
  dot = 0;
  colon = 0;
  dash = 0;
  slash = 0;

  reset(): this {
    this.at = this.dot = this.colon = this.dash = this.slash = 0;
    return this;
  }
}

const specials = new SpecialCounts();

/** Counts over `buf[start..]` (non-ASCII bytes end every run). */
export function bufferFeatures(buf: Buffer, start: number, f: Features): Features {
  let digits = 0;
  let upper = 0;
  let digitRun = 0;
  let maxDigitRun = 0;
  let tokenRun = 0;
  let maxTokenRun = 0;
  let uppers = 0; // consecutive uppercase letters
  let afterUppers = 0; // digits right after two or more of them
  let ibanStarts = 0;
  const special = specials.reset();
  const n = buf.length;
  for (let i = start; i < n; i++) {
    let b = buf[i]!;
    if (b >= 0x61 && b <= 0x7a) {
      // Lowercase letters, most of most text: they extend a token and end a digit run.
      const from = i;
      while (++i < n && (b = buf[i]!) >= 0x61 && b <= 0x7a);
      tokenRun += i - from;
      if (digitRun > maxDigitRun) maxDigitRun = digitRun;
      digitRun = uppers = afterUppers = 0;
      if (i === n) break;
    }
    const flags = FLAGS[b]!;
    if (flags & DIGIT) {
      digits++;
      digitRun++;
      tokenRun++;
      if (uppers >= 2) afterUppers = 1;
      else if (afterUppers === 1) {
        afterUppers = 2;
        ibanStarts++;
      } else afterUppers = 0;
      uppers = 0;
      continue;
    }
    if (flags & UPPER) {
      upper++;
      uppers++;
    } else uppers = 0;
    afterUppers = 0;
    if (flags & TOKEN) {
      tokenRun++;
    } else {
      if (tokenRun > maxTokenRun) maxTokenRun = tokenRun;
      tokenRun = 0;
    }
    if ((flags & NUMBER_PUNCT) === 0) {
      if (digitRun > maxDigitRun) maxDigitRun = digitRun;
      digitRun = 0;
    }
    if (flags & SPECIAL) countSpecial(b, special);
  }
  return store(
    f,
    buf.length - start,
    digits,
    upper,
    special,
    Math.max(digitRun, maxDigitRun),
    Math.max(tokenRun, maxTokenRun),
    ibanStarts,
    bufferIsUuid(buf, start),
  );
}

/**
 * The same counts over a string. It repeats bufferFeatures' loop on purpose: both run once
 * per value on the data path, so neither goes through a per-character accessor. A change
 * to one must be made to the other; test/features.test.ts checks that they agree.
 */
export function stringFeatures(text: string, f: Features): Features {
  let digits = 0;
  let upper = 0;
  let digitRun = 0;
  let maxDigitRun = 0;
  let tokenRun = 0;
  let maxTokenRun = 0;
  let uppers = 0; // consecutive uppercase letters
  let afterUppers = 0; // digits right after two or more of them
  let ibanStarts = 0;
  const special = specials.reset();
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) {
      // Lowercase letters, as in bufferFeatures.
      const from = i;
      while (++i < n && (c = text.charCodeAt(i)) >= 0x61 && c <= 0x7a);
      tokenRun += i - from;
      if (digitRun > maxDigitRun) maxDigitRun = digitRun;
      digitRun = uppers = afterUppers = 0;
      if (i === n) break;
    }
    const flags = c < 128 ? FLAGS[c]! : 0;
    if (flags & DIGIT) {
      digits++;
      digitRun++;
      tokenRun++;
      if (uppers >= 2) afterUppers = 1;
      else if (afterUppers === 1) {
        afterUppers = 2;
        ibanStarts++;
      } else afterUppers = 0;
      uppers = 0;
      continue;
    }
    if (flags & UPPER) {
      upper++;
      uppers++;
    } else uppers = 0;
    afterUppers = 0;
    if (flags & TOKEN) {
      tokenRun++;
    } else {
      if (tokenRun > maxTokenRun) maxTokenRun = tokenRun;
      tokenRun = 0;
    }
    if ((flags & NUMBER_PUNCT) === 0) {
      if (digitRun > maxDigitRun) maxDigitRun = digitRun;
      digitRun = 0;
    }
    if (flags & SPECIAL) countSpecial(c, special);
  }
  return store(
    f,
    text.length,
    digits,
    upper,
    special,
    Math.max(digitRun, maxDigitRun),
    Math.max(tokenRun, maxTokenRun),
    ibanStarts,
    isUuid(text),
  );
}

function countSpecial(c: number, counter: SpecialCounts): void {
  switch (c) {
    case 0x40:
      counter.at++;
      break;
    case 0x2e:
      counter.dot++;
      break;
    case 0x3a:
      counter.colon++;
      break;
    case 0x2d:
      counter.dash++;
      break;
    default:
      counter.slash++;
  }
}

function store(
  f: Features,
  length: number,
  digits: number,
  upper: number,
  special: SpecialCounts,
  digitRun: number,
  tokenRun: number,
  ibanStarts: number,
  uuid: boolean,
): Features {
  f[F_DIGIT] = digits;
  f[F_UPPER] = upper;
  f[F_AT] = special.at;
  f[F_DOT] = special.dot;
  f[F_COLON] = special.colon;
  f[F_DASH] = special.dash;
  f[F_SLASH] = special.slash;
  f[F_LENGTH] = length;
  f[F_DIGIT_RUN] = digitRun;
  f[F_TOKEN_RUN] = tokenRun;
  f[F_IBAN_START] = ibanStarts;
  f[F_NOT_UUID] = uuid ? 0 : 1;
  return f;
}
