/**
 * RFC 4180 fields: quoted when they hold a comma, a double quote, CR or LF, with quotes
 * doubled. SQL NULL is an empty unquoted field and the empty string is `""`, as in `psql --csv`,
 * so the two stay distinguishable. Lines end with \n.
 */
export function csvField(value: string | null): string {
  if (value === null) return "";
  if (value === "" || /[",\r\n]/.test(value)) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

export function csvLine(values: readonly (string | null)[]): string {
  return `${values.map(csvField).join(",")}\n`;
}
