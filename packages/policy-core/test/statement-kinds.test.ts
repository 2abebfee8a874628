import { describe, expect, it } from "vitest";
import { STATEMENT_KINDS, inspectSql, type StatementKind } from "../src/index";
import { only, useParser } from "./helpers";

useParser();

// One row per statement kind (and the umbrella it sits under), plus the cases where the
// statement's type alone would mislead: SELECT INTO creates a table, RESET is not SET.
const cases: { name: string; sql: string; kind: StatementKind; kinds: StatementKind[] }[] = [
  { name: "SELECT is a select", sql: "SELECT 1", kind: "select", kinds: ["select"] },
  { name: "VALUES is a select", sql: "VALUES (1), (2)", kind: "select", kinds: ["select"] },
  { name: "TABLE t is a select", sql: "TABLE t", kind: "select", kinds: ["select"] },
  {
    name: "INSERT is an insert",
    sql: "INSERT INTO t VALUES (1)",
    kind: "insert",
    kinds: ["insert"],
  },
  {
    name: "UPDATE is an update",
    sql: "UPDATE t SET a = 1 WHERE id = 2",
    kind: "update",
    kinds: ["update"],
  },
  {
    name: "DELETE is a delete",
    sql: "DELETE FROM t WHERE id = 2",
    kind: "delete",
    kinds: ["delete"],
  },
  {
    name: "MERGE is a merge",
    sql: "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
    kind: "merge",
    kinds: ["merge"],
  },
  { name: "TRUNCATE is a truncate", sql: "TRUNCATE t", kind: "truncate", kinds: ["truncate"] },
  { name: "COPY is a copy", sql: "COPY t TO STDOUT", kind: "copy", kinds: ["copy"] },
  {
    name: "CREATE TABLE is a create under ddl",
    sql: "CREATE TABLE t (a int)",
    kind: "create",
    kinds: ["create", "ddl"],
  },
  {
    name: "CREATE INDEX is a create under ddl",
    sql: "CREATE INDEX i ON t (a)",
    kind: "create",
    kinds: ["create", "ddl"],
  },
  {
    name: "CREATE VIEW is a create under ddl",
    sql: "CREATE VIEW v AS SELECT 1",
    kind: "create",
    kinds: ["create", "ddl"],
  },
  {
    name: "CREATE ROLE is a create under ddl",
    sql: "CREATE ROLE r",
    kind: "create",
    kinds: ["create", "ddl"],
  },
  {
    name: "CREATE EXTENSION is a create under ddl",
    sql: "CREATE EXTENSION dblink",
    kind: "create",
    kinds: ["create", "ddl"],
  },
  {
    name: "CREATE TABLE AS is a create under ddl",
    sql: "CREATE TABLE x AS SELECT * FROM t",
    kind: "create",
    kinds: ["create", "ddl"],
  },
  {
    name: "SELECT INTO creates a table, so it is a create under ddl",
    sql: "SELECT * INTO x FROM t",
    kind: "create",
    kinds: ["create", "ddl"],
  },
  {
    name: "ALTER TABLE is an alter under ddl",
    sql: "ALTER TABLE t ADD COLUMN b int",
    kind: "alter",
    kinds: ["alter", "ddl"],
  },
  {
    name: "ALTER TABLE RENAME is an alter under ddl",
    sql: "ALTER TABLE t RENAME TO u",
    kind: "alter",
    kinds: ["alter", "ddl"],
  },
  {
    name: "ALTER SYSTEM is an alter under ddl",
    sql: "ALTER SYSTEM SET work_mem = '1GB'",
    kind: "alter",
    kinds: ["alter", "ddl"],
  },
  {
    name: "ALTER ROLE is an alter under ddl",
    sql: "ALTER ROLE r SUPERUSER",
    kind: "alter",
    kinds: ["alter", "ddl"],
  },
  {
    name: "DROP TABLE is a drop under ddl",
    sql: "DROP TABLE t",
    kind: "drop",
    kinds: ["drop", "ddl"],
  },
  {
    name: "DROP DATABASE is a drop under ddl",
    sql: "DROP DATABASE d",
    kind: "drop",
    kinds: ["drop", "ddl"],
  },
  {
    name: "DROP OWNED is a drop under ddl",
    sql: "DROP OWNED BY r",
    kind: "drop",
    kinds: ["drop", "ddl"],
  },
  {
    name: "COMMENT ON is a comment under ddl",
    sql: "COMMENT ON TABLE t IS 'x'",
    kind: "comment",
    kinds: ["comment", "ddl"],
  },
  {
    name: "GRANT is a grant under ddl",
    sql: "GRANT SELECT ON t TO bob",
    kind: "grant",
    kinds: ["grant", "ddl"],
  },
  {
    name: "GRANT role is a grant under ddl",
    sql: "GRANT admin TO bob",
    kind: "grant",
    kinds: ["grant", "ddl"],
  },
  {
    name: "REVOKE is a revoke under ddl",
    sql: "REVOKE SELECT ON t FROM bob",
    kind: "revoke",
    kinds: ["revoke", "ddl"],
  },
  {
    name: "ALTER DEFAULT PRIVILEGES … GRANT is a grant",
    sql: "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO bob",
    kind: "grant",
    kinds: ["grant", "ddl"],
  },
  { name: "BEGIN is a transaction", sql: "BEGIN", kind: "transaction", kinds: ["transaction"] },
  { name: "COMMIT is a transaction", sql: "COMMIT", kind: "transaction", kinds: ["transaction"] },
  {
    name: "SAVEPOINT is a transaction",
    sql: "SAVEPOINT a",
    kind: "transaction",
    kinds: ["transaction"],
  },
  { name: "SET is a set", sql: "SET statement_timeout = 1000", kind: "set", kinds: ["set"] },
  { name: "SET ROLE is a set", sql: "SET ROLE bob", kind: "set", kinds: ["set"] },
  {
    name: "SET CONSTRAINTS is a set",
    sql: "SET CONSTRAINTS ALL DEFERRED",
    kind: "set",
    kinds: ["set"],
  },
  { name: "SHOW is a show", sql: "SHOW search_path", kind: "show", kinds: ["show"] },
  { name: "RESET is a reset, not a set", sql: "RESET work_mem", kind: "reset", kinds: ["reset"] },
  { name: "RESET ALL is a reset", sql: "RESET ALL", kind: "reset", kinds: ["reset"] },
  { name: "CALL is a call", sql: "CALL p(1)", kind: "call", kinds: ["call"] },
  { name: "DO is a do", sql: "DO $$ BEGIN NULL; END $$", kind: "do", kinds: ["do"] },
  {
    name: "plain EXPLAIN is an explain only",
    sql: "EXPLAIN SELECT 1",
    kind: "explain",
    kinds: ["explain"],
  },
  { name: "VACUUM is maintenance", sql: "VACUUM t", kind: "maintenance", kinds: ["maintenance"] },
  { name: "ANALYZE is maintenance", sql: "ANALYZE t", kind: "maintenance", kinds: ["maintenance"] },
  { name: "CLUSTER is maintenance", sql: "CLUSTER t", kind: "maintenance", kinds: ["maintenance"] },
  {
    name: "REINDEX is maintenance",
    sql: "REINDEX TABLE t",
    kind: "maintenance",
    kinds: ["maintenance"],
  },
  {
    name: "REFRESH MATERIALIZED VIEW is maintenance",
    sql: "REFRESH MATERIALIZED VIEW mv",
    kind: "maintenance",
    kinds: ["maintenance"],
  },
  { name: "LISTEN is a listen", sql: "LISTEN chan", kind: "listen", kinds: ["listen"] },
  { name: "NOTIFY is a notify", sql: "NOTIFY chan, 'x'", kind: "notify", kinds: ["notify"] },
  { name: "UNLISTEN is an unlisten", sql: "UNLISTEN *", kind: "unlisten", kinds: ["unlisten"] },
  {
    name: "PREPARE is its statement's kind plus prepare",
    sql: "PREPARE p AS SELECT 1",
    kind: "select",
    kinds: ["select", "prepare"],
  },
  {
    name: "EXECUTE of an unknown statement is an execute",
    sql: "EXECUTE p",
    kind: "execute",
    kinds: ["execute"],
  },
  {
    name: "DEALLOCATE is a deallocate",
    sql: "DEALLOCATE p",
    kind: "deallocate",
    kinds: ["deallocate"],
  },
  {
    name: "LOCK is a lock",
    sql: "LOCK TABLE t IN ACCESS EXCLUSIVE MODE",
    kind: "lock",
    kinds: ["lock"],
  },
  { name: "DISCARD is a discard", sql: "DISCARD ALL", kind: "discard", kinds: ["discard"] },
  { name: "FETCH is a fetch", sql: "FETCH 10 FROM c", kind: "fetch", kinds: ["fetch"] },
  { name: "MOVE is a fetch", sql: "MOVE c", kind: "fetch", kinds: ["fetch"] },
  {
    name: "DECLARE is its query's kind plus declare",
    sql: "DECLARE c CURSOR FOR SELECT 1",
    kind: "select",
    kinds: ["select", "declare"],
  },
  { name: "CLOSE is a close", sql: "CLOSE c", kind: "close", kinds: ["close"] },
  {
    name: "CHECKPOINT is a checkpoint",
    sql: "CHECKPOINT",
    kind: "checkpoint",
    kinds: ["checkpoint"],
  },
  { name: "LOAD is a load", sql: "LOAD 'auto_explain'", kind: "load", kinds: ["load"] },
  {
    name: "SECURITY LABEL is an alter under ddl",
    sql: "SECURITY LABEL ON TABLE t IS 'x'",
    kind: "alter",
    kinds: ["alter", "ddl"],
  },
  {
    name: "REASSIGN OWNED is an alter under ddl",
    sql: "REASSIGN OWNED BY a TO b",
    kind: "alter",
    kinds: ["alter", "ddl"],
  },
  {
    name: "IMPORT FOREIGN SCHEMA is a create under ddl",
    sql: "IMPORT FOREIGN SCHEMA s FROM SERVER f INTO t",
    kind: "create",
    kinds: ["create", "ddl"],
  },
];

describe("statement kinds", () => {
  it.each(cases)("$name", ({ sql, kind, kinds }) => {
    const facts = only(sql);
    expect(facts.kind).toBe(kind);
    expect(facts.kinds).toEqual(kinds);
  });

  it("every kind except other (future statement types) and unparseable is produced by a case above", () => {
    const produced = new Set(cases.flatMap((c) => c.kinds));
    const missing = STATEMENT_KINDS.filter(
      (k) => !produced.has(k) && !["other", "unparseable"].includes(k),
    );
    expect(missing).toEqual([]);
  });

  it("text that does not parse is one unparseable statement carrying the parser's message", () => {
    const facts = inspectSql("SELEC 1");
    expect(facts.statements).toHaveLength(1);
    expect(facts.statements[0]).toMatchObject({
      kind: "unparseable",
      kinds: ["unparseable"],
      opaque: true,
    });
    expect(facts.error).toBe('syntax error at or near "SELEC"');
  });

  it("an empty or comment-only string has no statements", () => {
    expect(inspectSql("").statements).toEqual([]);
    expect(inspectSql("  -- nothing\n /* at all */ ;").statements).toEqual([]);
  });
});
