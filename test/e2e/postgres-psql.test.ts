// psql through the real gateway (CLI connect → control plane → connector → Postgres):
// DDL and DML, transactions, errors, multi-statement strings, \copy, cancel,
// and every command recorded in order.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gateway } from "./gateway";
import { waitUntil } from "./harness";

let gw: Gateway;
const scratch = mkdtempSync(path.join(tmpdir(), "airlock-psql-"));

beforeAll(async () => {
  gw = await Gateway.start();
}, 90_000);

afterAll(async () => {
  await gw?.stop();
});

function ok(res: ReturnType<Gateway["psql"]>): string {
  if (res.status !== 0) throw new Error(`psql exited ${res.status}: ${res.stderr}`);
  return res.stdout;
}

describe("psql through airlock connect", () => {
  it("prints a ready-to-use psql command without any password", () => {
    expect(gw.connect.output).toMatch(
      /psql "host=127\.0\.0\.1 port=\d+ user=admin dbname=demo sslmode=disable"/,
    );
    expect(gw.connect.output).not.toMatch(/password=/i);
  });

  it("runs a query against the demo data", () => {
    expect(ok(gw.psql(["-At", "-c", "select count(*) from customers"])).trim()).toBe("200");
  });

  it("runs DDL and DML", async () => {
    const out = ok(
      gw.psql(
        ["-At", "-f", "-"],
        `create table notes (id int primary key, body text);
         insert into notes values (1, 'one'), (2, 'two');
         update notes set body = 'uno' where id = 1;
         delete from notes where id = 2;
         select id || ':' || body from notes order by id;`,
      ),
    );
    expect(out).toMatch(/^1:uno$/m);
    const direct = await gw.direct();
    try {
      expect((await direct.query("select body from notes")).rows).toEqual([{ body: "uno" }]);
    } finally {
      await direct.end();
    }
  });

  it("rolls a transaction back", async () => {
    ok(
      gw.psql(
        ["-f", "-"],
        `begin; insert into orders values (5000, 1, 100, 'placed', now()); rollback;`,
      ),
    );
    expect(ok(gw.psql(["-At", "-c", "select count(*) from orders where id = 5000"])).trim()).toBe(
      "0",
    );
  });

  it("survives an error inside a transaction, then ROLLBACK, in the same session", () => {
    const res = gw.psql(
      ["-At", "-v", "ON_ERROR_STOP=0", "-f", "-"],
      `begin;
       insert into orders values (5001, 1, 100, 'placed', now());
       select 1/0;
       select 'after error';
       rollback;
       select 'session still usable';`,
    );
    expect(res.stderr).toMatch(/division by zero/);
    expect(res.stderr).toMatch(/current transaction is aborted/);
    expect(res.stdout).toMatch(/session still usable/);
  });

  it("runs a multi-statement query string", () => {
    const out = ok(gw.psql(["-At", "-c", "select 'first'; select 'second'"]));
    expect(out).toMatch(/first/);
    expect(out).toMatch(/second/);
  });

  it("copies data in and out with \\copy", () => {
    const source = path.join(scratch, "in.csv");
    const dest = path.join(scratch, "out.csv");
    const rows = Array.from({ length: 500 }, (_, i) => `${i + 1},"note, number ${i + 1}"`);
    writeFileSync(source, rows.join("\n") + "\n");
    ok(gw.psql(["-c", "create table imported (id int, body text)"]));
    expect(ok(gw.psql(["-c", `\\copy imported from '${source}' csv`]))).toMatch(/COPY 500/);
    ok(gw.psql(["-c", `\\copy (select * from imported order by id) to '${dest}' csv`]));
    expect(readFileSync(dest, "utf8")).toBe(readFileSync(source, "utf8"));
  });

  it("cancels SELECT pg_sleep(30) on SIGINT within 2 s", async () => {
    const child = gw.psqlAsync(["-c", "select pg_sleep(30)"]);
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    // Wait until the sleep runs on the target.
    const direct = await gw.direct();
    try {
      await waitUntil("pg_sleep to be running", async () => {
        const { rows } = await direct.query(
          "select 1 from pg_stat_activity where query = 'select pg_sleep(30)' and state = 'active'",
        );
        return rows.length > 0;
      });
    } finally {
      await direct.end();
    }
    const sent = Date.now();
    child.kill("SIGINT");
    await exited;
    expect(Date.now() - sent).toBeLessThan(2_000);
    expect(stderr).toMatch(/canceling statement due to user request/);
  });

  it("records every command of a session, in order, and shows it with airlock sessions show", async () => {
    ok(gw.psql(["-At", "-c", "select 'audit-me-1'"]));
    const sessions = await gw.store_<{ id: string }>(
      `select s.id from sessions s join commands c on c.session_id = s.id
        where c.sql = 'select ''audit-me-1''' order by s.started_at desc limit 1`,
    );
    expect(sessions).toHaveLength(1);
    const id = sessions[0]!.id;
    await waitUntil("the session to end", async () => {
      const [row] = await gw.store_<{ status: string }>(
        "select status from sessions where id = $1",
        [id],
      );
      return row?.status === "closed";
    });
    const [session] = await gw.store_("select * from sessions where id = $1", [id]);
    expect(session.close_reason).toBe("client quit");

    const shown = gw.cli.run(["sessions", "show", id]);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain("select 'audit-me-1'");
    const listed = gw.cli.run(["sessions", "list", "--connection", "demo"]);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(id);
  });

  it("records the DDL/DML session's commands with rows and tags", async () => {
    const rows = await gw.store_(
      `select c.seq, c.sql, c.status, c.command_tag, c.row_count, c.decision
         from commands c where c.sql like 'select id || %' or c.sql like 'create table notes%'
        order by c.id`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(1);
    const select = rows.find((r) => String(r.sql).startsWith("select id ||"));
    expect(select).toMatchObject({ status: "ok", command_tag: "SELECT 1", decision: "allow" });
    expect(Number(select.row_count)).toBe(1);
  });

  it("records a failed command with its SQLSTATE", async () => {
    gw.psql(["-c", "select * from no_such_table"]);
    const [row] = await gw.store_(
      "select status, error_code, error_message from commands where sql = 'select * from no_such_table'",
    );
    expect(row).toMatchObject({ status: "error", error_code: "42P01" });
    expect(row.error_message).toMatch(/no_such_table/);
  });

  it("airlock exec prints results as a table, json and csv", () => {
    const table = gw.cli.run(["exec", "demo", "-c", "select count(*) as n from customers"]);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/\bn\b/);
    expect(table.stdout).toMatch(/\b200\b/);
    const json = gw.cli.run([
      "exec",
      "demo",
      "--output",
      "json",
      "-c",
      "select id, email from customers order by id limit 2",
    ]);
    expect(json.status).toBe(0);
    expect(json.stdout).toContain("customer1@example.com");
    const csv = gw.cli.run([
      "exec",
      "demo",
      "--output",
      "csv",
      "-c",
      "select id from customers order by id limit 3",
    ]);
    expect(csv.stdout.trim().split("\n")).toEqual(["id", "1", "2", "3"]);
    const failed = gw.cli.run(["exec", "demo", "-c", "select 1/0"]);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/division by zero/);
  });
});
