import type { CopyPlan, MaskCounts } from "./types";
import type { ResolvedCopyFormat } from "./copy-format";
import { type CsvField, csvField, csvFieldValue, isCsvNull, readCsvRecord } from "./copy-csv";
import { escapeCopyField, unescapeCopyField } from "./copy-text";
import { type ColumnAction, maskValue } from "./value-masker";

const NEWLINE = 0x0a;

/** How fields are read and written back. */
export type CopyFieldMode =
  /** Unescaped (text) or unquoted (csv), masked, written back escaped or quoted. */
  | "decode"
  /** Masked as they are, still escaped (text format of unknown options: no COPY hint). */
  | "raw";

/** What the COPY plans share: which action a field gets, the header row, field counts. */
abstract class CopyPlanBase implements CopyPlan {
  readonly #actions: readonly (ColumnAction | undefined)[];
  /** Columns are known (a COPY hint): a row with another number of fields is an error. */
  readonly #byColumn: boolean;
  #headerPending: boolean;
  protected readonly hashKey: Buffer;
  protected readonly format: ResolvedCopyFormat;

  constructor(
    actions: readonly (ColumnAction | undefined)[],
    hashKey: Buffer,
    byColumn: boolean,
    format: ResolvedCopyFormat,
  ) {
    this.#actions = actions;
    this.#byColumn = byColumn;
    this.#headerPending = format.header;
    this.hashKey = hashKey;
    this.format = format;
  }

  abstract maskCopyData(data: Buffer, counts: MaskCounts): Buffer | undefined;

  /** True once, for the header row (column names, passed through as they are). */
  protected takeHeader(): boolean {
    const header = this.#headerPending;
    this.#headerPending = false;
    return header;
  }

  protected actionOf(field: number): ColumnAction | undefined {
    // Without columns every field gets the same content action.
    return this.#byColumn
      ? this.#actions[field]
      : this.#actions[Math.min(field, this.#actions.length - 1)];
  }

  protected checkFieldCount(fields: number): void {
    if (this.#byColumn && fields !== this.#actions.length) {
      throw new Error(
        `a COPY row has ${fields} fields but the COPY hint names ${this.#actions.length} columns ` +
          "(are its format and DELIMITER those of the hint?)",
      );
    }
  }

  /** The masked value, escaped or quoted for this format; undefined when unchanged. */
  protected maskField(
    value: Buffer,
    action: ColumnAction,
    counts: MaskCounts,
    encode: (masked: Buffer) => Buffer,
  ): Buffer | undefined {
    const masked = maskValue(value, action, this.hashKey, counts);
    if (masked === undefined) return undefined;
    return masked === null ? this.format.null : encode(masked);
  }
}

/** Splices replaced byte ranges into a payload. */
class Splicer {
  #parts: Buffer[] | undefined;
  #copied = 0;

  replace(data: Buffer, start: number, end: number, bytes: Buffer): void {
    this.#parts ??= [];
    this.#parts.push(data.subarray(this.#copied, start), bytes);
    this.#copied = end;
  }

  finish(data: Buffer): Buffer | undefined {
    if (this.#parts === undefined) return undefined;
    this.#parts.push(data.subarray(this.#copied));
    return Buffer.concat(this.#parts);
  }
}

/** COPY text format: rows end at '\n' (newlines in values are escaped), fields at the delimiter. */
export class TextCopyPlan extends CopyPlanBase {
  readonly #mode: CopyFieldMode;

  constructor(
    actions: readonly (ColumnAction | undefined)[],
    hashKey: Buffer,
    byColumn: boolean,
    format: ResolvedCopyFormat,
    mode: CopyFieldMode,
  ) {
    super(actions, hashKey, byColumn, format);
    this.#mode = mode;
  }

  maskCopyData(data: Buffer, counts: MaskCounts): Buffer | undefined {
    const out = new Splicer();
    const { delimiter } = this.format;
    const encode = (masked: Buffer) => escapeCopyField(masked, delimiter);
    for (let lineStart = 0; lineStart < data.length;) {
      let lineEnd = data.indexOf(NEWLINE, lineStart);
      if (lineEnd < 0) lineEnd = data.length;
      if (!this.takeHeader()) {
        let fieldStart = lineStart;
        for (let field = 0; ; field++) {
          const fieldEnd = nextDelimiter(data, fieldStart, lineEnd, delimiter);
          const action = this.actionOf(field);
          const raw = data.subarray(fieldStart, fieldEnd);
          if (action !== undefined && !raw.equals(this.format.null)) {
            const masked =
              this.#mode === "raw"
                ? this.maskField(raw, action, counts, (m) => m)
                : this.maskField(unescapeCopyField(raw), action, counts, encode);
            if (masked !== undefined) out.replace(data, fieldStart, fieldEnd, masked);
          }
          if (fieldEnd === lineEnd) {
            this.checkFieldCount(field + 1);
            break;
          }
          fieldStart = fieldEnd + 1;
        }
      }
      lineStart = lineEnd + 1;
    }
    return out.finish(data);
  }
}

/**
 * The end of the text-format field starting at `from`: the next delimiter not escaped by
 * a backslash (a delimiter in a value is written `\|`), or the line's end.
 */
function nextDelimiter(data: Buffer, from: number, lineEnd: number, delimiter: number): number {
  for (
    let i = data.indexOf(delimiter, from);
    i >= 0 && i < lineEnd;
    i = data.indexOf(delimiter, i + 1)
  ) {
    let backslashes = 0;
    while (i - backslashes - 1 >= from && data[i - backslashes - 1] === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return i;
  }
  return lineEnd;
}

/**
 * COPY CSV format: records end at a newline outside quotes; a masked field is quoted where
 * Postgres would quote it, or where the original was quoted.
 */
export class CsvCopyPlan extends CopyPlanBase {
  readonly #fields: CsvField[] = [];

  maskCopyData(data: Buffer, counts: MaskCounts): Buffer | undefined {
    const out = new Splicer();
    for (let pos = 0; pos < data.length;) {
      pos = readCsvRecord(data, pos, this.format, this.#fields);
      if (this.takeHeader()) continue;
      this.checkFieldCount(this.#fields.length);
      this.#fields.forEach((field, i) => {
        const action = this.actionOf(i);
        if (action === undefined || isCsvNull(data, field, this.format)) return;
        const value = csvFieldValue(data, field, this.format);
        const encode = (masked: Buffer) => csvField(masked, this.format, field.quoted);
        const masked = this.maskField(value, action, counts, encode);
        if (masked !== undefined) out.replace(data, field.start, field.end, masked);
      });
    }
    return out.finish(data);
  }
}
