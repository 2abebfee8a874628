// Name resolution for facts: relations as `schema.name`, search paths as lists of schemas.

/** Postgres's built-in search_path, which RESET and DEFAULT restore. */
export const DEFAULT_SEARCH_PATH: readonly string[] = ["$user", "public"];

/** The search path assumed when the caller gives none. */
export const ASSUMED_SEARCH_PATH: readonly string[] = ["public"];

/**
 * The names an unqualified relation could resolve to: one per schema of the search path
 * (`$user` is skipped: the gateway does not know the database user), plus `pg_catalog`
 * first for names starting with `pg_` (Postgres searches pg_catalog implicitly, and every
 * catalog relation is named `pg_…`). Never empty.
 */
export function relationCandidates(name: string, searchPath: readonly string[]): string[] {
  const schemas: string[] = [];
  if (name.startsWith("pg_")) schemas.push("pg_catalog");
  for (const schema of searchPath) {
    if (schema === "$user" || schema === "" || schemas.includes(schema)) continue;
    schemas.push(schema);
  }
  if (schemas.length === 0) schemas.push("pg_catalog");
  return schemas.map((schema) => `${schema}.${name}`);
}

/**
 * Split a search_path string as Postgres does (SplitIdentifierString): comma-separated,
 * unquoted identifiers lowercased, double-quoted ones kept as written. Undefined when the
 * string is malformed.
 */
export function splitIdentifierList(value: string): string[] | undefined {
  const result: string[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < value.length && /\s/.test(value.charAt(i))) i += 1;
  };
  skipSpace();
  if (i === value.length) return [];
  for (;;) {
    skipSpace();
    let name = "";
    if (value.charAt(i) === '"') {
      i += 1;
      for (;;) {
        if (i >= value.length) return undefined;
        const ch = value.charAt(i);
        if (ch === '"') {
          if (value.charAt(i + 1) === '"') {
            name += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        name += ch;
        i += 1;
      }
    } else {
      while (i < value.length && value.charAt(i) !== "," && !/\s/.test(value.charAt(i))) {
        name += value.charAt(i);
        i += 1;
      }
      if (name === "") return undefined;
      name = name.toLowerCase();
    }
    result.push(name);
    skipSpace();
    if (i === value.length) return result;
    if (value.charAt(i) !== ",") return undefined;
    i += 1;
  }
}
