/**
 * How `airlock exec` prints the values node-postgres parsed: as text for tables and CSV
 * (`null` for SQL NULL), as JSON values for `--output json`. Pure functions.
 */

/** The text of one value, psql-like; `null` stands for SQL NULL. */
export function textValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "t" : "f";
  if (value instanceof Date) return dateText(value);
  if (value instanceof Uint8Array) return byteaText(value);
  if (Array.isArray(value)) return arrayLiteral(value);
  return JSON.stringify(value);
}

/** One value for `--output json`: JSON documents stay structured, dates and bytes become text. */
export function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return dateText(value);
  if (value instanceof Uint8Array) return byteaText(value);
  if (Array.isArray(value)) return value.map(jsonValue);
  return value;
}

/** bytea in Postgres' hex format: `\x deadbeef` without the space. */
export function byteaText(bytes: Uint8Array): string {
  return `\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

function dateText(date: Date): string {
  return Number.isNaN(date.getTime()) ? String(date) : date.toISOString();
}

/** A Postgres array literal, `{1,2,NULL}`, `{"a b","c,d"}`, nested `{{1,2},{3,4}}`. */
export function arrayLiteral(values: readonly unknown[]): string {
  const items = values.map((item) => {
    if (Array.isArray(item)) return arrayLiteral(item);
    const text = textValue(item);
    return text === null ? "NULL" : arrayElement(text);
  });
  return `{${items.join(",")}}`;
}

function arrayElement(text: string): string {
  const needsQuotes = text === "" || /^null$/i.test(text) || /[{}",\\\s]/.test(text);
  return needsQuotes ? `"${text.replace(/[\\"]/g, (ch) => `\\${ch}`)}"` : text;
}
