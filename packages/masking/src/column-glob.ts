// Column globs of mask rules, matched against a column's source `schema.table.column`:
//   "email"            the column name, in any table of any schema
//   "customers.ssn"    table.column, in any schema
//   "public.*.email"   schema.table.column
// `*` matches any run of characters within one segment and `?` one character; matching is
// case-insensitive (names are compared lowercased, as unquoted identifiers fold).

export interface ColumnGlob {
  /** Segments the glob has (1–3; more only matches a source with that many segments). */
  readonly segments: number;
  readonly pattern: RegExp;
}

export function compileColumnGlob(glob: string): ColumnGlob {
  const lower = glob.toLowerCase();
  const source = Array.from(lower, (ch) =>
    ch === "*" ? "[^.]*" : ch === "?" ? "[^.]" : ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&"),
  ).join("");
  return { segments: lower.split(".").length, pattern: new RegExp(`^${source}$`, "s") };
}

/** Whether the glob matches the last segments of `source` (already lowercased). */
export function columnGlobMatches(glob: ColumnGlob, sourceSegments: readonly string[]): boolean {
  if (glob.segments > sourceSegments.length) return false;
  const tail = sourceSegments.slice(sourceSegments.length - glob.segments).join(".");
  return glob.pattern.test(tail);
}
