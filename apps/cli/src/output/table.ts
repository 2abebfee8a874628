import { sanitize } from "./text";

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string;
}

const GAP = "   ";

/** A laid-out table: the header line, one line per row, and where each column starts. */
export interface TableLayout {
  readonly header: string;
  readonly rows: readonly string[];
  readonly offsets: readonly number[];
}

/**
 * A plain, aligned table (kubectl-style: no borders, greppable, no trailing spaces):
 *
 *   NAME     STATUS   VERSION
 *   edge-1   online   0.1.0
 */
export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const layout = layoutTable(columns, rows);
  return [layout.header, ...layout.rows].join("\n") + "\n";
}

export function layoutTable<T>(columns: readonly Column<T>[], rows: readonly T[]): TableLayout {
  const cells = rows.map((row) => columns.map((column) => sanitize(column.value(row))));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => (line[i] ?? "").length)),
  );
  const offsets = widths.map((_w, i) =>
    widths.slice(0, i).reduce((sum, width) => sum + width + GAP.length, 0),
  );
  const format = (line: readonly string[]): string =>
    line
      .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join(GAP)
      .trimEnd();
  return {
    header: format(columns.map((column) => column.header)),
    rows: cells.map(format),
    offsets,
  };
}
