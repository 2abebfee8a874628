// Real drivers and tools through the gateway: pg (extended protocol, prepared
// statements, LISTEN/NOTIFY, cursors), pgbench, pg_dump, and 50 concurrent
// sessions whose commands are each recorded exactly once, in order.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gateway, pgBin } from "./gateway";
import { waitUntil } from "./harness";

let gw: Gateway;

beforeAll(async () => {
  gw = await Gateway.start();
}, 90_000);

afterAll(async () => {
  await gw?.stop();
});

describe("the pg driver", () => {
  it("runs parameterised queries and records the bound values", async () => {
    const client = await gw.client();
    try {
      const res = await client.query(
        "select name, email from customers where id = $1 and country = $2",
        [7, "DE"],
      );
      expect(res.rows).toEqual([{ name: expect.any(String), email: "customer7@example.com" }]);
    } finally {
      await client.end();
    }
    // Completions are recorded after the result (batched, not write-ahead): wait for it.
    const [row] = await waitUntil("the command's completion recorded", async () => {
      const rows = await gw.store_(
        "select protocol, params, status, row_count from commands where sql = $1",
        ["select name, email from customers where id = $1 and country = $2"],
      );
      return rows[0]?.status === "pending" ? undefined : rows;
    });
    expect(row).toMatchObject({ protocol: "extended", params: ["7", "DE"], status: "ok" });
    expect(Number(row.row_count)).toBe(1);
  });

  it("reuses a named prepared statement", async () => {
    const client = await gw.client();
    try {
      for (const id of [1, 2, 3]) {
        const res = await client.query({
          name: "by-id",
          text: "select email from customers where id = $1",
          values: [id],
        });
        expect(res.rows[0].email).toBe(`customer${id}@example.com`);
      }
    } finally {
      await client.end();
    }
    const rows = await gw.store_("select params from commands where sql = $1 order by id", [
      "select email from customers where id = $1",
    ]);
    expect(rows.map((r) => r.params)).toEqual([["1"], ["2"], ["3"]]);
  });

  it("delivers LISTEN/NOTIFY between two sessions", async () => {
    const listener = await gw.client();
    const notifier = await gw.client();
    try {
      const received = new Promise<string | undefined>((resolve) =>
        listener.on("notification", (n) => resolve(n.payload)),
      );
      await listener.query("listen airlock_test");
      await notifier.query("notify airlock_test, 'hello through the gateway'");
      expect(await received).toBe("hello through the gateway");
    } finally {
      await listener.end();
      await notifier.end();
    }
  });

  it("reads a large result in chunks through a cursor", async () => {
    const client = await gw.client();
    try {
      await client.query("begin");
      await client.query(
        "declare big cursor for select g, md5(g::text) from generate_series(1, 100000) g",
      );
      let total = 0;
      for (;;) {
        const res = await client.query("fetch 10000 from big");
        if (res.rowCount === 0) break;
        total += res.rowCount ?? 0;
      }
      await client.query("commit");
      expect(total).toBe(100000);
    } finally {
      await client.end();
    }
  });
});

describe("tools", () => {
  it("pgbench initialises and runs through the gateway", () => {
    const env = { PATH: process.env["PATH"] ?? "" };
    const dsn = gw.dsn;
    const init = spawnSync(path.join(pgBin, "pgbench"), ["-i", "-s", "1", "-q", dsn], {
      encoding: "utf8",
      env,
      timeout: 120_000,
    });
    expect(init.status, init.stderr).toBe(0);
    const run = spawnSync(
      path.join(pgBin, "pgbench"),
      ["-n", "-c", "2", "-j", "2", "-T", "3", dsn],
      {
        encoding: "utf8",
        env,
        timeout: 60_000,
      },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/number of failed transactions: 0/);
    expect(
      Number(/number of transactions actually processed: (\d+)/.exec(run.stdout)?.[1]),
    ).toBeGreaterThan(10);
  });

  it("pg_dump through the gateway equals a direct dump", () => {
    const env = { PATH: process.env["PATH"] ?? "" };
    const strip = (dump: string) =>
      dump
        .split("\n")
        // Timestamps, versions, and pg_dump's per-run random \restrict key.
        .filter(
          (line) =>
            !/(Started on|Completed on|Dumped by|Dumped from)/.test(line) &&
            !/^\\(un)?restrict /.test(line),
        )
        .join("\n");
    const via = spawnSync(path.join(pgBin, "pg_dump"), ["--no-owner", gw.dsn], {
      encoding: "utf8",
      env,
      timeout: 120_000,
      maxBuffer: 256 * 1024 * 1024,
    });
    expect(via.status, via.stderr).toBe(0);
    const direct = spawnSync(path.join(pgBin, "pg_dump"), ["--no-owner", gw.target.url], {
      encoding: "utf8",
      env,
      timeout: 120_000,
      maxBuffer: 256 * 1024 * 1024,
    });
    expect(direct.status, direct.stderr).toBe(0);
    expect(via.stdout).toContain("CREATE TABLE public.customers");
    expect(strip(via.stdout)).toBe(strip(direct.stdout));
  });
});

describe("load", () => {
  it("records every command of 50 concurrent sessions exactly once, in order", async () => {
    const sessions = 50;
    const perSession = 100;
    const tag = `load-${Date.now()}`;
    await Promise.all(
      Array.from({ length: sessions }, async (_, s) => {
        const client = await gw.client();
        try {
          for (let q = 1; q <= perSession; q++) {
            const res = await client.query(`select '${tag}-${s}-${q}' as v`);
            expect(res.rows[0].v).toBe(`${tag}-${s}-${q}`);
          }
        } finally {
          await client.end();
        }
      }),
    );
    await waitUntil("completions to be written", async () => {
      const [row] = await gw.store_(
        "select count(*)::int as n from commands where sql like $1 and status = 'pending'",
        [`select '${tag}-%`],
      );
      return row.n === 0;
    });
    const rows = await gw.store_<{ session_id: string; seq: number; sql: string; status: string }>(
      "select session_id, seq, sql, status from commands where sql like $1 order by session_id, seq",
      [`select '${tag}-%`],
    );
    expect(rows).toHaveLength(sessions * perSession);
    const bySession = new Map<string, typeof rows>();
    for (const row of rows)
      bySession.set(row.session_id, [...(bySession.get(row.session_id) ?? []), row]);
    expect(bySession.size).toBe(sessions);
    for (const list of bySession.values()) {
      const s = /-(\d+)-1' as v$/.exec(list[0]!.sql)?.[1];
      expect(list.map((r) => r.sql)).toEqual(
        Array.from({ length: perSession }, (_, i) => `select '${tag}-${s}-${i + 1}' as v`),
      );
      const seqs = list.map((r) => r.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(perSession);
      expect(list.every((r) => r.status === "ok")).toBe(true);
    }
  }, 120_000);
});
