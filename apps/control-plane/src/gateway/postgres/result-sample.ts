// The first rows of a command's (already masked) result, kept for replay up to a cap of
// rows and bytes (AIRLOCK_RECORD_ROWS / AIRLOCK_RECORD_BYTES). Text-format values are kept
// as text, binary ones as {"hex": …}; COPY … TO STDOUT rows as their text lines.
import type { RowDescription } from "@airlock/pg-wire";

export interface SampleLimits {
  rows: number;
  bytes: number;
}

export interface ResultSample {
  columns: string[];
  rows: unknown[][];
  /** COPY … TO STDOUT lines (text format), when the result was a COPY. */
  copyLines?: string[];
  /** More rows (or bytes) came than were kept. */
  truncated: boolean;
}

export class SampleBuilder {
  private columns: string[] = [];
  private formats: number[] = [];
  private readonly rows: unknown[][] = [];
  private copyLines: string[] | undefined;
  private bytes = 0;
  private truncated = false;
  /** The first result set ended: later ones (multi-statement strings) are not kept. */
  private closed = false;

  constructor(private readonly limits: SampleLimits) {}

  /** Whether another row would still be kept (callers skip decoding otherwise). */
  get wants(): boolean {
    return !this.truncated;
  }

  /** A statement's result ended (CommandComplete): the sample keeps the first one only. */
  endResult(): void {
    if (this.columns.length > 0 || this.copyLines !== undefined) this.closed = true;
  }

  describe(m: RowDescription): void {
    if (this.columns.length === 0 && !this.closed) {
      this.columns = m.fields.map((f) => f.name);
      this.formats = m.fields.map((f) => f.format);
    }
  }

  row(values: readonly (Buffer | null)[]): void {
    if (!this.room(values.reduce((n, v) => n + (v?.length ?? 0), 0))) return;
    this.rows.push(
      values.map((v, i) =>
        v === null ? null : this.formats[i] === 1 ? { hex: v.toString("hex") } : v.toString("utf8"),
      ),
    );
  }

  copyData(data: Buffer): void {
    if (!this.room(data.length)) return;
    (this.copyLines ??= []).push(data.toString("utf8").replace(/\n$/, ""));
  }

  /** The sample, or null when nothing was seen. */
  build(): ResultSample | null {
    if (this.columns.length === 0 && this.rows.length === 0 && this.copyLines === undefined) {
      return null;
    }
    return {
      columns: this.columns,
      rows: this.rows,
      ...(this.copyLines === undefined ? {} : { copyLines: this.copyLines }),
      truncated: this.truncated,
    };
  }

  private room(size: number): boolean {
    if (this.closed) {
      this.truncated = true;
      return false;
    }
    const kept = this.rows.length + (this.copyLines?.length ?? 0);
    if (this.truncated || kept >= this.limits.rows || this.bytes + size > this.limits.bytes) {
      this.truncated = true;
      return false;
    }
    this.bytes += size;
    return true;
  }
}
