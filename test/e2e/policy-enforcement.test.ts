// Policy enforcement through the real gateway (psql → airlock connect → control plane →
// connector → Postgres). The demo policy (deploy/demo/policy.yaml, for user admin on
// connections tagged env=demo) and a policy denying secret.keys are applied through the
// REST API. Each bypass attempt is sent with psql (simple protocol) and with pg (extended
// protocol): it is refused with 42501 naming the rule, nothing changed on the target
// (checked directly), the session stays usable, and an allowed look-alike runs.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gateway, withClient } from "./gateway";
import { repoRoot } from "./harness";
import { wire, WireSession } from "./wire";

// The demo policy as shipped, except that its reviews expire after 1 s: a bypass attempt
// that policy sends to review is held, nobody approves, and the client gets 42501.
const DEMO_POLICY = readFileSync(path.join(repoRoot, "deploy/demo/policy.yaml"), "utf8").replace(
  /timeout: 30m/g,
  "timeout: 1s",
);
const SECRET_POLICY = {
  name: "test-secret-keys",
  description: "a rule on one schema-qualified table, for the search_path cases",
  subjects: { users: ["admin"] },
  resources: { tags: { env: "demo" } },
  rules: [
    {
      id: "no-secret-keys",
      match: { sql: { tables: ["secret.keys"] } },
      action: "deny",
      message: "secret.keys is off limits",
    },
  ],
};
const VICTIM = "airlock-victim";
const PWNED = path.join(tmpdir(), `airlock-pwned-${process.pid}`);

let gw: Gateway;
let victim: pg.Client;

beforeAll(async () => {
  gw = await Gateway.start({ tags: { env: "demo" }, policy: "none" });
  await withClient(gw.target.url, (c) =>
    c.query(`create schema secret;
             create table secret.keys (id int, k text);
             insert into secret.keys values (1, 'secret');
             create table public.keys (id int, k text);
             insert into public.keys values (1, 'public');`),
  );
  await gw.applyYaml("demo-engineers", DEMO_POLICY);
  await gw.applyPolicy(SECRET_POLICY);
  victim = new pg.Client({ connectionString: gw.target.url, application_name: VICTIM });
  await victim.connect();
}, 90_000);

afterAll(async () => {
  await victim?.end().catch(() => undefined);
  await gw?.stop();
});

/** psql through airlock connect: SQLSTATEs shown, errors do not stop a script. */
function psql(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  return spawnSync(
    "psql",
    [gw.dsn, "-X", "-At", "-v", "VERBOSITY=verbose", "-v", "ON_ERROR_STOP=0", ...args],
    {
      encoding: "utf8",
      input: options.input,
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
      env: { PATH: process.env["PATH"] ?? "", PGCONNECT_TIMEOUT: "10", ...options.env },
    },
  );
}

/** Everything a refused command could have changed on the target. */
async function targetState(): Promise<unknown> {
  return withClient(gw.target.url, async (c) => {
    const { rows } = await c.query(`select
      (select md5(string_agg(c::text, ',' order by c.id)) from customers c) as customers,
      (select md5(string_agg(o::text, ',' order by o.id)) from orders o) as orders,
      (select string_agg(schemaname || '.' || tablename, ',' order by schemaname, tablename)
         from pg_tables where schemaname in ('public', 'secret')) as tables,
      (select count(*) from pg_rules where schemaname = 'public') as rules,
      (select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'public') as functions,
      (select count(*) from secret.keys) as secret_keys,
      (select count(*) from pg_stat_activity where application_name = '${VICTIM}') as victims`);
    return rows[0];
  });
}

/** The error a pg query failed with (undefined when it succeeded). */
async function failure(promise: Promise<unknown>): Promise<(Error & pg.DatabaseError) | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return err as Error & pg.DatabaseError;
  }
}

type Send = (client: pg.Client, text: string) => Promise<pg.QueryResult>;

/** pg with the extended protocol for a text without parameters (`queryMode`, not in @types/pg). */
const extended: Send = (client, text) => {
  const config: pg.QueryConfig & { queryMode: "extended" } = { text, queryMode: "extended" };
  return client.query(config);
};
const simpleQuery: Send = (client, text) => client.query(text);

interface BypassCase {
  name: string;
  /** Refused. */
  sql: string;
  /** The rule the refusal names (none: denied by default or as opaque). */
  rule?: string;
  /** An allowed look-alike that runs. */
  twin: string;
  /** Whether the twin can go through the extended protocol (one statement, no COPY). */
  extendedTwin?: boolean;
}

const CASES: BypassCase[] = [
  {
    name: "a block comment before DROP",
    sql: "/* harmless */ DROP TABLE customers",
    rule: "demo-engineers/protect-demo-tables",
    twin: "/* note */ SELECT count(*) FROM customers",
  },
  {
    name: "a line comment and newlines before DROP",
    sql: "-- just a comment\n\nDROP TABLE customers",
    rule: "demo-engineers/protect-demo-tables",
    twin: "SELECT 1 -- ; DROP TABLE customers\n",
  },
  {
    name: "mixed case and whitespace",
    sql: "dRoP\n\t TaBlE\n   customers",
    rule: "demo-engineers/protect-demo-tables",
    twin: "SeLeCt\n\t count(*)\n FROM\tcustomers",
  },
  {
    name: "quoted identifiers",
    sql: 'DELETE FROM "public"."customers"',
    rule: "demo-engineers/block-unbounded-writes",
    twin: 'SELECT count(*) FROM "public"."customers"',
  },
  {
    name: "dollar quoting around a statement boundary",
    sql: "SELECT $x$;$x$; DELETE FROM customers",
    rule: "demo-engineers/block-unbounded-writes",
    twin: "SELECT $x$; DELETE FROM customers $x$",
  },
  {
    name: "a DELETE without WHERE wrapped in a CTE",
    sql: "WITH gone AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM gone",
    rule: "demo-engineers/block-unbounded-writes",
    twin: "WITH gone AS (UPDATE orders SET status = status WHERE id = -1 RETURNING *) SELECT count(*) FROM gone",
  },
  {
    name: "an UPDATE without WHERE wrapped in a CTE",
    sql: "WITH u AS (UPDATE customers SET name = 'x' RETURNING 1) SELECT count(*) FROM u",
    rule: "demo-engineers/block-unbounded-writes",
    twin: "WITH u AS (UPDATE customers SET name = name WHERE id = -1 RETURNING 1) SELECT count(*) FROM u",
  },
  {
    name: "a DROP after a harmless statement in one string",
    sql: "SELECT 1; DROP TABLE customers",
    rule: "demo-engineers/protect-demo-tables",
    twin: "SELECT 1; SELECT 2",
    extendedTwin: false,
  },
  {
    name: "a DO block",
    sql: "DO $$ BEGIN DELETE FROM customers WHERE id > 0; END $$",
    twin: "SELECT 'DO $$ BEGIN END $$'",
  },
  {
    name: "PREPARE of an unbounded DELETE",
    sql: "PREPARE wipe AS DELETE FROM customers",
    rule: "demo-engineers/block-unbounded-writes",
    twin: "PREPARE fine AS SELECT count(*) FROM customers",
  },
  {
    name: "pg_terminate_backend inside a SELECT",
    sql: `SELECT count(*) FROM pg_stat_activity WHERE application_name = '${VICTIM}' AND pg_terminate_backend(pid)`,
    rule: "demo-engineers/block-dangerous-functions",
    twin: `SELECT count(*) FROM pg_stat_activity WHERE application_name = '${VICTIM}'`,
  },
  {
    name: "pg_read_file inside a subquery",
    sql: "SELECT name FROM customers WHERE name = (SELECT pg_read_file('/etc/hostname'))",
    rule: "demo-engineers/block-dangerous-functions",
    twin: "SELECT name FROM customers WHERE name = (SELECT 'pg_read_file')",
  },
  {
    name: "COPY … TO PROGRAM",
    sql: `COPY customers TO PROGRAM 'touch ${PWNED}'`,
    rule: "demo-engineers/block-copy-program",
    twin: "COPY (SELECT 1) TO STDOUT",
    extendedTwin: false,
  },
  {
    name: "EXPLAIN ANALYZE of an unbounded DELETE (it runs it)",
    sql: "EXPLAIN ANALYZE DELETE FROM customers",
    rule: "demo-engineers/block-unbounded-writes",
    twin: "EXPLAIN DELETE FROM customers",
  },
  {
    name: "a CREATE RULE that deletes on every insert",
    sql: "CREATE RULE wipe AS ON INSERT TO orders DO ALSO DELETE FROM customers",
    rule: "demo-engineers/block-unbounded-writes",
    twin: "SELECT count(*) FROM pg_rules",
  },
  {
    name: "a CREATE FUNCTION wrapping a DELETE",
    sql: "CREATE FUNCTION wipe() RETURNS void LANGUAGE sql AS $$ DELETE FROM customers $$",
    rule: "demo-engineers/ddl-needs-dba",
    twin: "SELECT count(*) FROM pg_proc WHERE proname = 'wipe'",
  },
];

describe("the bypass corpus, through psql and pg (extended protocol)", () => {
  it.each(CASES)("refuses $name; nothing changes; its twin runs", async (c) => {
    const before = await targetState();

    const viaPsql = psql(["-c", c.sql]);
    expect(viaPsql.status).not.toBe(0);
    expect(viaPsql.stderr).toMatch(
      /ERROR: {2}42501: Airlock (policy (denied|requires approval)|did not run this command: review rv-)/,
    );
    expect(viaPsql.stderr).toMatch(/HINT: /);
    if (c.rule !== undefined) expect(viaPsql.stderr).toContain(`(rule ${c.rule})`);

    const client = await gw.client();
    try {
      const err = await failure(extended(client, c.sql));
      expect(err?.code, err?.message).toBe("42501");
      if (c.rule !== undefined) expect(err?.message).toContain(`(rule ${c.rule})`);
      // The session is still usable.
      expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }]);
      expect(await targetState()).toEqual(before);
      if (c.extendedTwin !== false) await extended(client, c.twin);
    } finally {
      await client.end();
    }
    const twin = psql(["-c", c.twin]);
    expect(twin.status, twin.stderr).toBe(0);
    expect(twin.stderr).not.toMatch(/ERROR/);
    expect(existsSync(PWNED)).toBe(false);
  });

  it("records every refusal as blocked, with its decision and rule ids", async () => {
    const rows = await gw.store_<{
      decision: string;
      rule_ids: string[];
      status: string;
      reasons: string[];
    }>("select decision, rule_ids, status, reasons from commands where sql = $1", [
      'DELETE FROM "public"."customers"',
    ]);
    expect(rows.length).toBeGreaterThanOrEqual(2); // psql and pg
    for (const row of rows) {
      expect(row).toMatchObject({ decision: "deny", status: "blocked" });
      expect(row.rule_ids).toContain("demo-engineers/block-unbounded-writes");
      expect(row.reasons.join(" ")).toMatch(/without a WHERE clause is blocked/);
    }
    const [allowed] = await gw.store_(
      "select decision, rule_ids, status from commands where sql = $1 limit 1",
      ['SELECT count(*) FROM "public"."customers"'],
    );
    expect(allowed).toMatchObject({
      decision: "allow",
      rule_ids: ["demo-engineers/reads"],
      status: "ok",
    });
  });
});

describe("prepared statements", () => {
  it("EXECUTE is judged as what PREPARE prepared, with the search path when it runs", async () => {
    const client = await gw.client();
    try {
      expect((await failure(client.query("EXECUTE wipe")))?.code).toBe("42501"); // never prepared
      await client.query("PREPARE k AS SELECT k FROM keys");
      expect((await client.query("EXECUTE k")).rows).toEqual([{ k: "public" }]);
      await client.query("SET search_path = secret");
      const err = await failure(client.query("EXECUTE k"));
      expect(err?.code).toBe("42501");
      expect(err?.message).toContain("(rule test-secret-keys/no-secret-keys)");
      await client.query("SET search_path = public");
      expect((await client.query("EXECUTE k")).rows).toEqual([{ k: "public" }]);
      await client.query("DEALLOCATE k");
      expect((await failure(client.query("EXECUTE k")))?.code).toBe("42501");
    } finally {
      await client.end();
    }
  });

  it("PREPARE and EXECUTE sent with the extended protocol, and a Bind of a SQL-prepared name", async () => {
    const client = await gw.client();
    try {
      await extended(client, "PREPARE n AS SELECT count(*)::int AS n FROM customers");
      expect((await extended(client, "EXECUTE n")).rows).toEqual([{ n: 200 }]);
    } finally {
      await client.end();
    }
    // With mask rules in force (the demo policy masks), a Bind of a SQL-prepared name whose
    // rows were never described cannot be masked: the connector ends the session rather
    // than send them (docs/design/0007-masking.md).
    const masked = await WireSession.open(gw.port, "admin", gw.connection);
    try {
      await masked.request(wire.query("PREPARE k AS SELECT k FROM keys"));
      await expect(masked.request(wire.bind("", "k"), wire.execute(), wire.sync())).rejects.toThrow(
        /the session closed; got .*E/,
      );
    } finally {
      await masked.close();
    }
    // The decision itself, without mask rules: the Bind is decided as EXECUTE k.
    await gw.applyYaml("demo-engineers", DEMO_POLICY.replace(/\nmask:[\s\S]*$/, "\n"));
    const raw = await WireSession.open(gw.port, "admin", gw.connection);
    try {
      await raw.request(wire.query("PREPARE k AS SELECT k FROM keys"));
      // The protocol's Bind runs the SQL-prepared statement: decided as EXECUTE k.
      const ok = await raw.request(wire.bind("", "k"), wire.execute(), wire.sync());
      expect(ok.errors).toEqual([]);
      await raw.request(wire.query("SET search_path = secret"));
      const refused = await raw.request(wire.bind("", "k"), wire.execute(), wire.sync());
      expect(refused.errors.map((e) => e.C)).toEqual(["42501"]);
      expect(refused.errors[0]?.M).toContain("test-secret-keys/no-secret-keys");
    } finally {
      await raw.close();
      await gw.applyYaml("demo-engineers", DEMO_POLICY);
    }
  });

  it("a Parse of a denied statement is refused at Parse, and so is a later Bind of it", async () => {
    const before = await targetState();
    const raw = await WireSession.open(gw.port, "admin", gw.connection);
    try {
      const parsed = await raw.request(wire.parse("bad", "DROP TABLE customers"), wire.sync());
      expect(parsed.errors.map((e) => e.C)).toEqual(["42501"]);
      expect(parsed.frames.map((f) => f.type)).toEqual(["E", "Z"]);
      // Messages after the refused Parse are discarded until Sync: one error, one ReadyForQuery.
      const batch = await raw.request(
        wire.parse("bad2", "DROP TABLE customers"),
        wire.bind("", "bad2"),
        wire.describePortal(),
        wire.execute(),
        wire.sync(),
      );
      expect(batch.frames.map((f) => f.type)).toEqual(["E", "Z"]);
      const bound = await raw.request(wire.bind("", "bad"), wire.execute(), wire.sync());
      expect(bound.errors.map((e) => e.C)).toEqual(["42501"]);
      expect(bound.errors[0]?.M).toMatch(
        /prepared statement "bad" was refused by policy when it was parsed/,
      );
      const after = await raw.request(wire.query("select 1"));
      expect(after.errors).toEqual([]);
    } finally {
      await raw.close();
    }
    const client = await gw.client();
    try {
      for (let i = 0; i < 2; i++) {
        const err = await failure(client.query({ name: "drop-it", text: "DROP TABLE customers" }));
        expect(err?.code).toBe("42501");
      }
    } finally {
      await client.end();
    }
    expect(await targetState()).toEqual(before);
  });
});

describe("search_path", () => {
  it("SET search_path then an unqualified name, in one string and in two commands", async () => {
    const oneString = psql(["-c", "SET search_path = secret; SELECT * FROM keys"]);
    expect(oneString.stderr).toMatch(
      /42501: .*\(rule test-secret-keys\/no-secret-keys\): statement 2 \(select\): secret\.keys is off limits/,
    );
    expect(oneString.stdout).not.toContain("secret");

    for (const send of [simpleQuery, extended]) {
      const client = await gw.client();
      try {
        expect((await send(client, "SELECT k FROM keys")).rows).toEqual([{ k: "public" }]);
        await send(client, "SET search_path = secret");
        expect((await failure(send(client, "SELECT k FROM keys")))?.code).toBe("42501");
        await send(client, "SET search_path = public");
        expect((await send(client, "SELECT k FROM keys")).rows).toEqual([{ k: "public" }]);
      } finally {
        await client.end();
      }
    }
  });

  it("a search_path from the startup options (PGOPTIONS)", () => {
    const refused = psql(["-c", "SELECT k FROM keys"], {
      env: { PGOPTIONS: "-c search_path=secret" },
    });
    expect(refused.stderr).toMatch(/42501: .*test-secret-keys\/no-secret-keys/);
    const twin = psql(["-c", "SELECT k FROM keys"], {
      env: { PGOPTIONS: "-c search_path=public" },
    });
    expect(twin.stdout.trim()).toBe("public");
    // RESET restores the startup value (secret), not Postgres' default.
    const secret = { env: { PGOPTIONS: "-c search_path=secret" } };
    const reset = psql(["-c", "RESET search_path; SELECT k FROM keys"], secret);
    expect(reset.stderr).toMatch(/42501: .*resets search_path and then runs more statements/);
    const separately = psql(["-c", "RESET search_path", "-c", "SELECT k FROM keys"], secret);
    expect(separately.stderr).toMatch(/42501: .*test-secret-keys\/no-secret-keys/);
    expect(separately.stdout).not.toContain("secret");
  });

  it("after a transaction that changed it, every candidate schema counts until the next SET", async () => {
    const client = await gw.client();
    try {
      await client.query("BEGIN");
      await client.query("SET LOCAL search_path = secret");
      expect((await failure(client.query("SELECT k FROM keys")))?.code).toBe("42501");
      await client.query("ROLLBACK");
      // The server is back on public, but the gateway cannot be sure: still refused.
      expect((await failure(client.query("SELECT k FROM keys")))?.code).toBe("42501");
      await client.query("SET search_path = public");
      expect((await client.query("SELECT k FROM keys")).rows).toEqual([{ k: "public" }]);
    } finally {
      await client.end();
    }
  });
});

describe("transactions", () => {
  it("a refusal inside BEGIN … COMMIT keeps the transaction usable ('T', not 'E')", async () => {
    const raw = await WireSession.open(gw.port, "admin", gw.connection);
    try {
      expect((await raw.request(wire.query("BEGIN"))).status).toBe("T");
      await raw.request(wire.query("INSERT INTO orders VALUES (7001, 1, 100, 'placed', now())"));
      const refused = await raw.request(wire.query("DELETE FROM customers"));
      expect(refused.errors.map((e) => e.C)).toEqual(["42501"]);
      expect(refused.status).toBe("T");
      const extendedRefusal = await raw.request(
        wire.parse("", "DELETE FROM orders"),
        wire.bind("", ""),
        wire.execute(),
        wire.sync(),
      );
      expect(extendedRefusal.errors.map((e) => e.C)).toEqual(["42501"]);
      expect(extendedRefusal.status).toBe("T");
      const read = await raw.request(wire.query("SELECT count(*) FROM customers"));
      expect(read.errors).toEqual([]);
      expect(read.status).toBe("T");
      const commit = await raw.request(wire.query("COMMIT"));
      expect(commit.tags).toEqual(["COMMIT"]);
      expect(commit.status).toBe("I");
    } finally {
      await raw.close();
    }
    await withClient(gw.target.url, async (c) => {
      expect((await c.query("select count(*)::int as n from orders where id = 7001")).rows).toEqual(
        [{ n: 1 }],
      );
      expect((await c.query("select count(*)::int as n from customers")).rows).toEqual([
        { n: 200 },
      ]);
    });
  });

  it("psql stays usable after a refusal in a transaction block", () => {
    const res = psql(["-f", "-"], {
      input: `BEGIN;
              DELETE FROM customers;
              SELECT 'still usable';
              ROLLBACK;
              SELECT 'after rollback';`,
    });
    expect(res.stderr).toMatch(/42501/);
    expect(res.stderr).not.toMatch(/current transaction is aborted/);
    expect(res.stdout).toMatch(/still usable/);
    expect(res.stdout).toMatch(/after rollback/);
  });
});

describe("very long and deeply nested statements", () => {
  const long = `SELECT ${"1,".repeat(150_000)}1; DELETE FROM customers`;
  const longOne = `WITH d AS (DELETE FROM customers RETURNING 1) SELECT ${"1,".repeat(150_000)}1 FROM d`;
  const nested = `SELECT ${"(".repeat(100_000)}1${")".repeat(100_000)}`;

  it.each([
    ["a 300 kB string ending in an unbounded DELETE", long],
    ["a deeply nested expression (too deep to inspect: denied)", nested],
  ])("%s is refused and the session survives", async (_name, sql) => {
    const before = await targetState();
    const client = await gw.client();
    try {
      expect((await failure(client.query(sql)))?.code).toBe("42501");
      expect((await failure(extended(client, sql)))?.code).toBe("42501");
      expect((await client.query("select 'survived' as s")).rows).toEqual([{ s: "survived" }]);
    } finally {
      await client.end();
    }
    expect(await targetState()).toEqual(before);
  });

  it("through psql too", async () => {
    const before = await targetState();
    const res = psql(["-f", "-"], { input: `${longOne};\n${nested};\nSELECT 'survived';\n` });
    expect(res.stderr.match(/42501/g)).toHaveLength(2);
    expect(res.stdout).toMatch(/survived/);
    expect(await targetState()).toEqual(before);
  });
});

describe("acceptance: airlock connect, psql and the CLI", () => {
  it("refuses DROP TABLE with the rule's message, runs SELECT, and shows both in sessions show", async () => {
    const drop = psql(["-c", "DROP TABLE customers;"]);
    expect(drop.status).not.toBe(0);
    expect(drop.stderr).toContain(
      "Airlock policy denied this command (rule demo-engineers/protect-demo-tables): " +
        "the demo's customers and orders tables cannot be dropped or emptied",
    );
    expect(psql(["-c", "SELECT count(*) FROM customers"]).stdout.trim()).toBe("200");

    const [row] = await gw.store_<{
      session_id: string;
      decision: string;
      rule_ids: string[];
      status: string;
    }>(
      "select session_id, decision, rule_ids, status from commands where sql = 'DROP TABLE customers;'",
    );
    expect(row).toMatchObject({
      decision: "deny",
      rule_ids: ["demo-engineers/protect-demo-tables"],
      status: "blocked",
    });
    const shown = gw.cli.run(["sessions", "show", row!.session_id, "--full"]);
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/deny\s+blocked/);
    expect(shown.stdout).toContain("demo-engineers/protect-demo-tables");
  });

  it("`airlock policy test` gives the same answer before anything runs", () => {
    const res = gw.cli.run([
      "policy",
      "test",
      "--as",
      "admin",
      "--connection",
      gw.connection,
      "-c",
      "DELETE FROM customers",
    ]);
    expect(res.status).toBe(3);
    expect(res.stdout).toContain("demo-engineers/block-unbounded-writes");
  });

  it("without a policy that gives access, everything is denied by default", async () => {
    await gw.deletePolicy("demo-engineers");
    await gw.deletePolicy("test-secret-keys");
    try {
      const res = psql(["-c", "SELECT 1"]);
      expect(res.stderr).toMatch(
        /42501: Airlock policy denied this command: no policy gives "admin" access to connection "demo"/,
      );
    } finally {
      await gw.applyYaml("demo-engineers", DEMO_POLICY);
      await gw.applyPolicy(SECRET_POLICY);
    }
    expect(psql(["-c", "SELECT 1"]).stdout.trim()).toBe("1");
  });
});
