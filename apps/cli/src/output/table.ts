import { sanitize } from "./text";

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string;
}

const GAP = "   ";

/**
 * A plain, aligned table (kubectl-style: no borders, greppable, no trailing spaces):
 *
 *   NAME     STATUS   VERSION
 *   edge-1   online   0.1.0
 */
export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = rows.map((row) => columns.map((column) => sanitize(column.value(row))));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => (line[i] ?? "").length)),
  );
  const format = (line: readonly string[]): string =>
    line
      .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join(GAP)
      .trimEnd();
  return [format(columns.map((column) => column.header)), ...cells.map(format)].join("\n") + "\n";
}
