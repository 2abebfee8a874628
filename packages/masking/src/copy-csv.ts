// COPY CSV format (https://www.postgresql.org/docs/current/sql-copy.html, "CSV Format"):
// fields separated by the delimiter, a field quoted when it holds the delimiter, the quote,
// a newline or looks like the NULL marker; inside quotes the escape character (by default
// the quote itself) makes the next quote (or escape) literal. A quoted value may hold raw
// newlines, so a record ends only at a newline outside quotes. NULL is the unquoted NULL
// marker (by default the empty string); a quoted empty string is an empty value.

import type { ResolvedCopyFormat } from "./copy-format";

const NEWLINE = 0x0a;
const CR = 0x0d;

/** One field of a record: its raw bytes `[start, end)`, and whether it was quoted. */
export interface CsvField {
  start: number;
  end: number;
  quoted: boolean;
}

/**
 * Splits the record starting at `pos` into fields (pushed to `fields`, which is cleared);
 * returns the position after the record's newline (or the end of `data`). Throws on a
 * quoted field that never closes or is followed by anything but a delimiter or newline.
 */
export function readCsvRecord(
  data: Buffer,
  pos: number,
  f: ResolvedCopyFormat,
  fields: CsvField[],
): number {
  fields.length = 0;
  for (;;) {
    const start = pos;
    let quoted = false;
    if (data[pos] === f.quote) {
      quoted = true;
      pos = closingQuote(data, pos + 1, f) + 1;
    } else {
      while (pos < data.length && data[pos] !== f.delimiter && data[pos] !== NEWLINE) pos++;
    }
    const end = data[pos - 1] === CR && data[pos] === NEWLINE && !quoted ? pos - 1 : pos;
    fields.push({ start, end, quoted });
    if (pos >= data.length) return pos;
    const c = data[pos]!;
    if (c === NEWLINE) return pos + 1;
    if (c === CR && data[pos + 1] === NEWLINE) return pos + 2;
    if (c !== f.delimiter)
      throw new Error("a quoted CSV field is followed by more than a delimiter");
    pos++;
  }
}

/** The position of the quote closing a field whose content starts at `pos`. */
function closingQuote(data: Buffer, pos: number, f: ResolvedCopyFormat): number {
  while (pos < data.length) {
    const c = data[pos]!;
    // An escaped quote or escape (with the default escape, a doubled quote).
    if (c === f.escape && (data[pos + 1] === f.quote || data[pos + 1] === f.escape)) {
      pos += 2;
      continue;
    }
    if (c === f.quote) return pos;
    pos++;
  }
  throw new Error("a quoted CSV field does not close in its CopyData message");
}

/** The value of a field: unquoted bytes as they are, quoted ones without quotes and escapes. */
export function csvFieldValue(data: Buffer, field: CsvField, f: ResolvedCopyFormat): Buffer {
  if (!field.quoted) return data.subarray(field.start, field.end);
  const inner = data.subarray(field.start + 1, field.end - 1);
  if (inner.indexOf(f.escape) < 0) return inner;
  const out = Buffer.allocUnsafe(inner.length);
  let n = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === f.escape && (inner[i + 1] === f.quote || inner[i + 1] === f.escape)) {
      out[n++] = inner[++i]!;
    } else {
      out[n++] = c;
    }
  }
  return out.subarray(0, n);
}

/** Whether an unquoted field is the NULL marker. */
export function isCsvNull(data: Buffer, field: CsvField, f: ResolvedCopyFormat): boolean {
  return !field.quoted && data.subarray(field.start, field.end).equals(f.null);
}

/**
 * A masked value as a field, quoted as Postgres would write it (CopyAttributeOutCSV): when
 * it holds the delimiter, the quote, a newline or a carriage return, equals the NULL marker
 * or is `\.` (the end-of-data marker); also when the original field was quoted (FORCE_QUOTE
 * stays visible). Otherwise it is written as it is: `h:…` stays `h:…`, not `"h:…"`.
 */
export function csvField(value: Buffer, f: ResolvedCopyFormat, wasQuoted: boolean): Buffer {
  return wasQuoted || needsQuotes(value, f) ? quoteCsvField(value, f) : value;
}

const END_OF_DATA = Buffer.from("\\.");

function needsQuotes(value: Buffer, f: ResolvedCopyFormat): boolean {
  if (value.equals(f.null) || value.equals(END_OF_DATA)) return true;
  for (const c of value) {
    if (c === f.delimiter || c === f.quote || c === NEWLINE || c === CR) return true;
  }
  return false;
}

/** A value as a quoted field (always quoted: valid for any value, and never NULL). */
export function quoteCsvField(value: Buffer, f: ResolvedCopyFormat): Buffer {
  let extra = 2;
  for (const c of value) if (c === f.quote || c === f.escape) extra++;
  const out = Buffer.allocUnsafe(value.length + extra);
  let n = 0;
  out[n++] = f.quote;
  for (const c of value) {
    if (c === f.quote || c === f.escape) out[n++] = f.escape;
    out[n++] = c;
  }
  out[n++] = f.quote;
  return out;
}
