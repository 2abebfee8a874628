import { csvLine } from "./csv";
import { jsonValue, textValue } from "./sql-values";
import { sanitize } from "./text";

/** A column of a result, as node-postgres describes it. */
export interface SqlField {
  readonly name: string;
  readonly dataTypeID: number;
}

/** One statement's result: what `airlock exec` prints. Rows are arrays in column order. */
export interface SqlResult {
  /** The first word of the command tag, e.g. `SELECT`, `INSERT`, `CREATE`. */
  readonly command: string;
  /** The whole command tag as the server sent it, e.g. `INSERT 0 1`, `CREATE TABLE`. */
  readonly commandTag: string;
  readonly rowCount: number | null;
  /** Empty for commands that return no rows (no RowDescription). */
  readonly fields: readonly SqlField[];
  readonly rows: readonly (readonly unknown[])[];
}

export type ResultFormat = "table" | "json" | "csv";

export function renderResults(results: readonly SqlResult[], format: ResultFormat): string {
  switch (format) {
    case "table":
      return renderResultsTable(results);
    case "json":
      return renderResultsJson(results);
    case "csv":
      return renderResultsCsv(results);
  }
}

/** int2, int4, int8, oid, float4, float8, numeric, money: right-aligned, like psql. */
const NUMERIC_TYPES = new Set([20, 21, 23, 26, 700, 701, 790, 1700]);

/**
 * psql's aligned format: centred headers, `---+---`, numbers right-aligned, `(N rows)`, and
 * a blank line after each table. Commands without rows print their tag (`INSERT 0 1`).
 */
export function renderResultsTable(results: readonly SqlResult[]): string {
  return results
    .map((result, i) => {
      if (result.fields.length === 0) return `${result.commandTag}\n`;
      const table = renderTableResult(result);
      return i < results.length - 1 ? `${table}\n` : table;
    })
    .join("");
}

function renderTableResult(result: SqlResult): string {
  const headers = result.fields.map((field) => cellText(field.name));
  const cells = result.rows.map((row) =>
    result.fields.map((_field, i) => cellText(textValue(row[i]) ?? "")),
  );
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...cells.map((line) => (line[i] ?? "").length)),
  );
  const line = (parts: readonly string[]): string => ` ${parts.join(" | ")}`.trimEnd();
  const header = line(headers.map((text, i) => centre(text, widths[i] ?? 0)));
  const separator = widths.map((width) => "-".repeat(width + 2)).join("+");
  const body = cells.map((row) =>
    line(
      row.map((text, i) => {
        const width = widths[i] ?? 0;
        const numeric = NUMERIC_TYPES.has(result.fields[i]?.dataTypeID ?? 0);
        return numeric ? text.padStart(width) : text.padEnd(width);
      }),
    ),
  );
  const count = result.rows.length;
  return (
    [header, separator, ...body, `(${count} ${count === 1 ? "row" : "rows"})`].join("\n") + "\n"
  );
}

function centre(text: string, width: number): string {
  const left = Math.floor((width - text.length) / 2);
  return " ".repeat(Math.max(0, left)) + text.padEnd(width - Math.max(0, left));
}

/** Newlines and tabs as `\n` and `\t`, other control characters as `\xNN`: one cell, one line. */
function cellText(text: string): string {
  return sanitize(text.replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t"));
}

/**
 * One JSON document: an array with one `{command, commandTag, rowCount, fields, rows}` per
 * statement. Rows are objects keyed by column name; a repeated name gets a suffix
 * (`?column?`, `?column?_2`) so that no value is lost.
 */
export function renderResultsJson(results: readonly SqlResult[]): string {
  const documents = results.map((result) => {
    const keys = uniqueKeys(result.fields.map((field) => field.name));
    return {
      command: result.command,
      commandTag: result.commandTag,
      rowCount: result.rowCount,
      fields: result.fields.map((field) => ({ name: field.name, dataTypeID: field.dataTypeID })),
      rows: result.rows.map((row) =>
        Object.fromEntries(keys.map((key, i) => [key, jsonValue(row[i])])),
      ),
    };
  });
  return `${JSON.stringify(documents, null, 2)}\n`;
}

export function uniqueKeys(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let key = name;
    for (let n = 2; seen.has(key); n++) key = `${name}_${n}`;
    seen.add(key);
    return key;
  });
}

/**
 * A header line and one line per row for each result that has columns; results are
 * separated by a blank line. Commands without rows print nothing in CSV.
 */
export function renderResultsCsv(results: readonly SqlResult[]): string {
  return results
    .filter((result) => result.fields.length > 0)
    .map(
      (result) =>
        csvLine(result.fields.map((field) => field.name)) +
        result.rows.map((row) => csvLine(result.fields.map((_f, i) => textValue(row[i])))).join(""),
    )
    .join("\n");
}
