import { Buffer } from "node:buffer";

/**
 * Slices statement texts out of the query string. The parser reports byte offsets into
 * the UTF-8 encoding, so non-ASCII text is sliced as bytes.
 */
export class StatementText {
  private readonly bytes: Buffer | undefined;

  constructor(private readonly sql: string) {
    // eslint-disable-next-line no-control-regex
    this.bytes = /^[\x00-\x7f]*$/.test(sql) ? undefined : Buffer.from(sql, "utf8");
  }

  slice(location: number | undefined, length: number | undefined): string {
    const start = location ?? 0;
    if (this.bytes === undefined) {
      const end = length === undefined || length === 0 ? this.sql.length : start + length;
      return this.sql.slice(start, end).trim();
    }
    const end = length === undefined || length === 0 ? this.bytes.length : start + length;
    return this.bytes.subarray(start, end).toString("utf8").trim();
  }
}
