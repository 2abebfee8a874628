import type { SqlFacts, StatementFacts } from "./facts";

/**
 * Replace each EXECUTE (or EXPLAIN ANALYZE EXECUTE) whose prepared statement the caller
 * tracked with that statement's facts (plus EXPLAIN's kind), so EXECUTE is judged as what
 * it runs. The caller keeps `prepared.statement` from each PREPARE it allowed (and
 * forgets names on DEALLOCATE / DISCARD ALL, `prepared.name` "*" meaning all). Unknown
 * names stay opaque, so policy denies them unless a rule names `execute`.
 */
export function resolvePreparedStatements(
  facts: SqlFacts,
  lookup: (name: string) => StatementFacts | undefined,
): SqlFacts {
  let changed = false;
  const statements = facts.statements.map((s) => {
    if (!s.kinds.includes("execute") || s.prepared === undefined) return s;
    if (s.prepared.statement !== undefined) return s;
    const known = lookup(s.prepared.name);
    if (known === undefined) return s;
    changed = true;
    const { prepared: _ignored, opaqueReason, ...rest } = known;
    return {
      ...rest,
      ...(opaqueReason === undefined ? {} : { opaqueReason }),
      // Keep the wrapper kinds (EXPLAIN ANALYZE EXECUTE → explain) but not "execute",
      // which in `kinds` means "not resolved".
      kinds: [...new Set([...known.kinds, ...s.kinds.filter((k) => k !== "execute")])],
      functions: [...new Set([...known.functions, ...s.functions])],
      text: s.text,
      prepared: { name: s.prepared.name, statement: known },
    };
  });
  return changed ? { ...facts, statements, cacheable: false } : facts;
}
