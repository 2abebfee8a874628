// COPY text format (https://www.postgresql.org/docs/current/sql-copy.html, "Text Format"):
// one row per line ending in '\n', fields separated by the delimiter (tab by default), a
// NULL marker (`\N` by default), and backslash escapes inside values: \\ \b \f \n \r \t \v,
// \ooo (1–3 octal digits), \xhh (1–2 hex digits), and a backslash before any other
// character (the delimiter, say) stands for that character.

const BACKSLASH = 0x5c;
const TAB = 0x09;

const SIMPLE_ESCAPES: Record<number, number> = {
  0x62: 0x08, // b
  0x66: 0x0c, // f
  0x6e: 0x0a, // n
  0x72: 0x0d, // r
  0x74: 0x09, // t
  0x76: 0x0b, // v
};

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function isOctal(c: number | undefined): c is number {
  return c !== undefined && c >= 0x30 && c <= 0x37;
}

/** The value a raw (escaped) field stands for; the same bytes when it has no backslash. */
export function unescapeCopyField(raw: Buffer): Buffer {
  if (raw.indexOf(BACKSLASH) < 0) return raw;
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== BACKSLASH || i + 1 >= raw.length) {
      out[n++] = c;
      continue;
    }
    const e = raw[++i]!;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out[n++] = simple;
    } else if (isOctal(e)) {
      let v = e - 0x30;
      for (let k = 0; k < 2 && isOctal(raw[i + 1]); k++) v = v * 8 + (raw[++i]! - 0x30);
      out[n++] = v & 0xff;
    } else if (e === 0x78 && i + 1 < raw.length && hexValue(raw[i + 1]!) >= 0) {
      let v = hexValue(raw[++i]!);
      if (i + 1 < raw.length && hexValue(raw[i + 1]!) >= 0) v = v * 16 + hexValue(raw[++i]!);
      out[n++] = v;
    } else {
      out[n++] = e;
    }
  }
  return out.subarray(0, n);
}

const ESCAPE_OF: Record<number, number> = {
  0x5c: 0x5c, // \\
  0x08: 0x62, // \b
  0x0c: 0x66, // \f
  0x0a: 0x6e, // \n
  0x0d: 0x72, // \r
  0x09: 0x74, // \t
  0x0b: 0x76, // \v
};

/**
 * A value as a raw field: backslash, controls and the delimiter escaped, as Postgres
 * writes them (a delimiter other than tab is escaped as backslash + itself).
 */
export function escapeCopyField(value: Buffer, delimiter = TAB): Buffer {
  let extra = 0;
  for (const c of value) if (ESCAPE_OF[c] !== undefined || c === delimiter) extra++;
  if (extra === 0) return value;
  const out = Buffer.allocUnsafe(value.length + extra);
  let n = 0;
  for (const c of value) {
    const e = ESCAPE_OF[c] ?? (c === delimiter ? c : undefined);
    if (e === undefined) {
      out[n++] = c;
    } else {
      out[n++] = BACKSLASH;
      out[n++] = e;
    }
  }
  return out;
}
