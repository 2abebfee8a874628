// The options of a COPY … TO STDOUT that decide how its rows split into fields: as the
// control plane's COPY hint carries them (format, DELIMITER, NULL, QUOTE, ESCAPE, HEADER).

/** COPY options as written; an absent option takes the format's default. */
export interface CopyFormat {
  /** `text` (the default) or `csv`. Binary COPY cannot be masked. */
  format?: "text" | "csv";
  /** One single-byte character; default tab (text) or comma (csv). */
  delimiter?: string;
  /** The NULL marker; default `\N` (text) or an unquoted empty string (csv). */
  null?: string;
  /** csv only: one single-byte character; default `"`. */
  quote?: string;
  /** csv only: one single-byte character; default the quote. */
  escape?: string;
  /** The first row holds the column names: it is passed through as it is. */
  header?: boolean;
}

export interface ResolvedCopyFormat {
  readonly csv: boolean;
  readonly delimiter: number;
  readonly null: Buffer;
  readonly quote: number;
  readonly escape: number;
  readonly header: boolean;
}

function oneByte(value: string | undefined, fallback: string, option: string): number {
  const v = value === undefined || value === "" ? fallback : value;
  const bytes = Buffer.from(v, "utf8");
  if (bytes.length !== 1) {
    throw new Error(`COPY ${option} must be one single-byte character, not ${JSON.stringify(v)}`);
  }
  return bytes[0]!;
}

export function resolveCopyFormat(format: CopyFormat = {}): ResolvedCopyFormat {
  const csv = format.format === "csv";
  const quote = oneByte(csv ? format.quote : undefined, '"', "QUOTE");
  return {
    csv,
    delimiter: oneByte(format.delimiter, csv ? "," : "\t", "DELIMITER"),
    null: Buffer.from(format.null ?? (csv ? "" : "\\N"), "utf8"),
    quote,
    escape: csv ? oneByte(format.escape, String.fromCharCode(quote), "ESCAPE") : 0x5c,
    header: format.header === true,
  };
}
