/**
 * Statement kinds: what a statement does, as policy rules name it. `ddl` is an umbrella
 * over the schema- and privilege-changing kinds; a statement's `kinds` list carries its
 * own kind, the umbrellas over it, and the kinds of statements nested in it (a DELETE
 * inside a CTE, the statement under EXPLAIN ANALYZE, PREPARE or DECLARE).
 */
export const STATEMENT_KINDS = [
  "select",
  "insert",
  "update",
  "delete",
  "merge",
  "truncate",
  "copy",
  "ddl",
  "create",
  "alter",
  "drop",
  "comment",
  "grant",
  "revoke",
  "transaction",
  "set",
  "show",
  "reset",
  "call",
  "do",
  "explain",
  "maintenance",
  "listen",
  "notify",
  "unlisten",
  "prepare",
  "execute",
  "deallocate",
  "lock",
  "discard",
  "fetch",
  "declare",
  "close",
  "checkpoint",
  "load",
  "other",
  "unparseable",
] as const;

export type StatementKind = (typeof STATEMENT_KINDS)[number];

/** Kinds a rule may name: every kind except `unparseable`, which is always denied. */
export const RULE_STATEMENT_KINDS = STATEMENT_KINDS.filter(
  (kind): kind is Exclude<StatementKind, "unparseable"> => kind !== "unparseable",
);

export type RuleStatementKind = Exclude<StatementKind, "unparseable">;

/** Umbrella kinds and the kinds they cover. */
export const UMBRELLAS: Readonly<Partial<Record<StatementKind, readonly StatementKind[]>>> = {
  ddl: ["create", "alter", "drop", "comment", "grant", "revoke"],
};

/** The umbrellas covering `kind` (for `drop`: `["ddl"]`). */
export function umbrellasOf(kind: StatementKind): StatementKind[] {
  const result: StatementKind[] = [];
  for (const [umbrella, covered] of Object.entries(UMBRELLAS)) {
    if (covered?.includes(kind) === true) result.push(umbrella as StatementKind);
  }
  return result;
}

/** Whether `kind` is an umbrella rather than a kind a statement has by itself. */
export function isUmbrella(kind: StatementKind): boolean {
  return UMBRELLAS[kind] !== undefined;
}
