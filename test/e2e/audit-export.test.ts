// The SIEM pull export (docs/design/0010-audit.md, "Export (pull)") against the real control
// plane: a reader paging from cursor 0 while 10,000 events are written concurrently sees each
// exactly once, in contiguous seq order; real events pass the OCSF requirements and parse as
// CEF; only auditors and admins may export; the cursor resumes; bad queries name the field;
// `airlock audit export` streams and prints where to resume.
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingRequired } from "../../apps/control-plane/src/export/ocsf-required";
import { CEF_SIGNATURE_IDS } from "../../apps/control-plane/src/export/ocsf";
import { parseCef } from "../support/cef";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { type Api, Cli, ControlPlane, waitUntil } from "./harness";

const WRITERS = 4;
const PER_WRITER = 2500;
const ROWS_PER_INSERT = 25;
const TOTAL = WRITERS * PER_WRITER;

const POLICY = `name: export-test
description: a policy whose change is exported
subjects: { groups: [engineers] }
resources: { tags: { env: prod } }
rules:
  - id: reads
    match: { sql: { statements: [select] } }
    action: allow
`;

interface JsonlEvent {
  seq: string;
  id: string;
  code: string;
  outcome: string;
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

interface Page<T> {
  events: T[];
  next_cursor: string;
  has_more: boolean;
}

let store: TestDatabase;
let cp: ControlPlane;
let auditor: Api;
let user: Api;
let auditorKey: string;
let db: pg.Client;

beforeAll(async () => {
  store = await createTestDatabase();
  cp = await ControlPlane.start({ databaseUrl: store.url });
  const keys: Record<string, string> = {};
  for (const role of ["auditor", "user"] as const) {
    const created = await cp.api().post("/api/v1/users", { name: `an-${role}`, role });
    expect(created.status, created.text).toBe(201);
    const key = await cp.api().post("/api/v1/api-keys", { name: "export", user: `an-${role}` });
    expect(key.status, key.text).toBe(201);
    keys[role] = key.body.key as string;
  }
  auditorKey = keys["auditor"] as string;
  auditor = cp.api(auditorKey);
  user = cp.api(keys["user"]);
  db = new pg.Client({ connectionString: store.url });
  await db.connect();
}, 60_000);

afterAll(async () => {
  await db?.end();
  await cp?.proc.stop();
  await store?.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function page<T>(api: Api, query: string): Promise<Page<T>> {
  const res = await api.get<Page<T>>(`/api/v1/export/events?${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** Every event after `cursor` that is sealed now, paging until has_more is false. */
async function drain<T>(format: "ocsf" | "jsonl", cursor: string): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const p = await page<T>(auditor, `format=${format}&limit=200&cursor=${cursor}`);
    out.push(...p.events);
    cursor = p.next_cursor;
    if (!p.has_more) return out;
  }
}

async function headSeq(): Promise<string> {
  const res = await db.query<{ seq: string | null }>(
    "SELECT max(seq)::text AS seq FROM audit_events",
  );
  return res.rows[0]?.seq ?? "0";
}

/** Writes `count` test events in small multi-row INSERTs on its own connection. */
async function writer(w: number, inserted: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: store.url });
  await client.connect();
  try {
    for (let start = 0; start < PER_WRITER; start += ROWS_PER_INSERT) {
      const values: string[] = [];
      const params: string[] = [];
      for (let n = start; n < start + ROWS_PER_INSERT; n++) {
        params.push(JSON.stringify({ n, writer: w }));
        values.push(`('test.load', 'succeeded', $${params.length}::jsonb)`);
      }
      const res = await client.query<{ id: string }>(
        `INSERT INTO audit_events (code, outcome, data) VALUES ${values.join(", ")} RETURNING id`,
        params,
      );
      inserted.push(...res.rows.map((r) => r.id));
    }
  } finally {
    await client.end();
  }
}

describe("consistency under concurrent writes", () => {
  it(`exports each of ${TOTAL} concurrently written events exactly once, in contiguous seq order`, async () => {
    const inserted: string[] = [];
    const exported: JsonlEvent[] = [];
    const deadline = Date.now() + 60_000;
    let writersDone = false;
    let pagesDuringWrites = 0;

    const reader = async (): Promise<void> => {
      let cursor = "0";
      let testEvents = 0;
      while (testEvents < TOTAL) {
        if (Date.now() > deadline)
          throw new Error(`after 60 s the export had ${testEvents} of ${TOTAL} test events`);
        const p = await page<JsonlEvent>(auditor, `format=jsonl&limit=500&cursor=${cursor}`);
        if (!writersDone && p.events.length > 0) pagesDuringWrites++;
        for (const e of p.events) {
          exported.push(e);
          if (e.code === "test.load") testEvents++;
        }
        // The cursor is unchanged on an empty page, else it is the last seq returned.
        const last = p.events[p.events.length - 1];
        expect(p.next_cursor).toBe(last === undefined ? cursor : last.seq);
        cursor = p.next_cursor;
        if (!p.has_more) await sleep(25);
      }
    };

    await Promise.all([
      reader(),
      Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w, inserted))).then(() => {
        writersDone = true;
      }),
    ]);

    expect(inserted).toHaveLength(TOTAL);
    // The reader really read while the writers wrote.
    expect(pagesDuringWrites).toBeGreaterThanOrEqual(2);
    // seqs: 1, 2, 3, … with no gap and no repeat, across every page.
    const seqs = exported.map((e) => Number(e.seq));
    const gaps = seqs.filter((s, i) => s !== i + 1);
    expect(gaps.slice(0, 5)).toEqual([]);
    // The test events: exactly the inserted ids, none missing, none twice.
    const testEvents = exported.filter((e) => e.code === "test.load");
    const ids = testEvents.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...inserted].sort());
    // And each writer's markers 0..2499 once each.
    const markers = new Set(
      testEvents.map((e) => `${String(e.data["writer"])}/${String(e.data["n"])}`),
    );
    expect(markers.size).toBe(TOTAL);
    // The chain as exported: each prev_hash is the previous event's hash.
    const broken = exported.filter((e, i) => i > 0 && e.prev_hash !== exported[i - 1]?.hash);
    expect(broken.map((e) => e.seq).slice(0, 5)).toEqual([]);
  }, 90_000);
});

describe("formats over real events", () => {
  let mark: string;
  const ocsf: Array<Record<string, any>> = [];

  beforeAll(async () => {
    // Let the sealer catch up, then remember where the real actions start.
    await waitUntil(
      "every event sealed",
      async () =>
        (await db.query("SELECT 1 FROM audit_events WHERE seq IS NULL LIMIT 1")).rowCount === 0,
    );
    mark = await headSeq();
    const admin = cp.api();
    expect((await admin.post("/api/v1/users", { name: "owner-1" })).status).toBe(201);
    const agent = await admin.post("/api/v1/users", {
      name: "agent-7",
      kind: "service_account",
      owner: "owner-1",
    });
    expect(agent.status, agent.text).toBe(201);
    const agentKey = await admin.post("/api/v1/api-keys", { name: "agent", user: "agent-7" });
    expect(agentKey.status, agentKey.text).toBe(201);
    // The agent acts itself: its own second key.
    const own = await cp.api(agentKey.body.key as string).post("/api/v1/api-keys", { name: "own" });
    expect(own.status, own.text).toBe(201);
    const put = await admin.request("PUT", "/api/v1/policies/export-test", POLICY, {
      "content-type": "application/yaml",
    });
    expect(put.status, put.text).toBeLessThan(300);

    await waitUntil(
      "the actions' events to be exported",
      async () => {
        ocsf.length = 0;
        ocsf.push(...(await drain<Record<string, any>>("ocsf", mark)));
        const codes = new Set(ocsf.map((e) => e.metadata.event_code as string));
        return ["user.created", "api_key.created", "policy.changed"].every((c) => codes.has(c));
      },
      20_000,
      200,
    );
  }, 60_000);

  it("every OCSF event has what its class requires, and a consistent type_uid", () => {
    expect(ocsf.length).toBeGreaterThanOrEqual(5);
    for (const e of ocsf) {
      expect(missingRequired(e), JSON.stringify(e)).toEqual([]);
      expect(e.type_uid).toBe(e.class_uid * 100 + e.activity_id);
      expect(e.metadata.version).toMatch(/^1\.\d+\.\d+$/);
      expect(e.metadata.product).toMatchObject({ name: "Airlock", vendor_name: "Airlock" });
      expect(BigInt(e.metadata.uid)).toBeGreaterThan(BigInt(mark));
    }
    const byCode = (code: string) => ocsf.filter((e) => e.metadata.event_code === code);
    expect(byCode("user.created")[0]).toMatchObject({ class_uid: 3005, activity_id: 1 });
    expect(byCode("policy.changed")[0]).toMatchObject({
      class_uid: 6003,
      api: { operation: "policy.changed" },
    });
  });

  it("marks the agent's own actions as a service account's, with its owner", () => {
    const byAgent = ocsf.filter((e) => e.actor?.user?.name === "agent-7");
    expect(byAgent.length).toBeGreaterThanOrEqual(1);
    for (const e of byAgent) {
      expect(e.actor.user).toMatchObject({ type_id: 4, type: "Service" });
      expect(e.unmapped.airlock).toMatchObject({
        actor_kind: "service_account",
        owner: { name: "owner-1" },
      });
    }
  });

  it("every CEF line parses, with the code's signature id", async () => {
    const res = await fetch(
      `${cp.httpUrl}/api/v1/export/events?format=cef&limit=5000&cursor=${mark}`,
      { headers: { authorization: `Bearer ${auditorKey}` } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    const lines = text.split("\n").filter((l) => l.length > 0);
    expect(lines.length).toBeGreaterThanOrEqual(ocsf.length);
    let last = mark;
    for (const line of lines) {
      const cef = parseCef(line);
      expect(cef.vendor).toBe("Airlock");
      expect(cef.signatureId).toBe(String(CEF_SIGNATURE_IDS[cef.name] ?? 9999));
      last = cef.extension["externalId"] as string;
    }
    expect(res.headers.get("x-airlock-next-cursor")).toBe(last);
    expect(res.headers.get("x-airlock-has-more")).toBe("false");
  });
});

describe("access, cursors and validation", () => {
  it("lets auditors and admins export; users get 403, no key 401", async () => {
    expect((await auditor.get("/api/v1/export/events?limit=1")).status).toBe(200);
    expect((await cp.api().get("/api/v1/export/events?limit=1")).status).toBe(200);
    const refused = await user.get("/api/v1/export/events?limit=1");
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("permission_denied");
    expect((await cp.api(null).get("/api/v1/export/events")).status).toBe(401);
  });

  it("an export-only key pulls and verifies the audit trail and can do nothing else", async () => {
    const created = await cp
      .api()
      .post("/api/v1/api-keys", { name: "siem", user: "an-auditor", scopes: ["export"] });
    expect(created.status, created.text).toBe(201);
    expect(created.body.apiKey.scopes).toEqual(["export"]);
    const siem = cp.api(created.body.key as string);
    expect((await siem.get("/api/v1/export/events?limit=1")).status).toBe(200);
    expect((await siem.get("/api/v1/audit/verify")).status).toBe(200);
    expect((await siem.get("/api/v1/identity/whoami")).status).toBe(200);
    for (const route of ["/api/v1/sessions", "/api/v1/reviews", "/api/v1/policies"]) {
      const res = await siem.get(route);
      expect(res.status, route).toBe(403);
      expect(res.body.error.message).toMatch(/limited to export/);
    }
    // Only auditors and admins may hold one.
    const forUser = await cp
      .api()
      .post("/api/v1/api-keys", { name: "siem2", user: "an-user", scopes: ["export"] });
    expect(forUser.status).toBe(400);
    expect(forUser.body.error.field).toBe("scopes");
    const unknown = await cp
      .api()
      .post("/api/v1/api-keys", { name: "siem3", user: "an-auditor", scopes: ["admin"] });
    expect(unknown.status).toBe(400);
    // Rotation keeps the limit.
    const rotated = await cp.api().post(`/api/v1/api-keys/${created.body.apiKey.id}/rotate`, {});
    expect(rotated.body.apiKey.scopes).toEqual(["export"]);
  });

  it("resumes from next_cursor with only newer events", async () => {
    const start = String(Number(await headSeq()) - 6);
    const first = await page<JsonlEvent>(auditor, `format=jsonl&limit=3&cursor=${start}`);
    expect(first.events.map((e) => e.seq)).toEqual([1, 2, 3].map((n) => String(Number(start) + n)));
    expect(first.has_more).toBe(true);
    expect(first.next_cursor).toBe(String(Number(start) + 3));
    const second = await page<JsonlEvent>(
      auditor,
      `format=jsonl&limit=3&cursor=${first.next_cursor}`,
    );
    expect(second.events.length).toBeGreaterThan(0);
    for (const e of second.events) expect(BigInt(e.seq)).toBeGreaterThan(BigInt(first.next_cursor));
    expect(second.events[0]?.seq).toBe(String(Number(start) + 4));
    // Past the head: nothing, and the cursor stays.
    const end = await page<JsonlEvent>(auditor, "format=jsonl&cursor=9223372036854775807");
    expect(end).toEqual({ events: [], next_cursor: "9223372036854775807", has_more: false });
  });

  it("starts at a time with since", async () => {
    const row = await db.query<{ seq: string; at: Date }>(
      "SELECT seq::text, at FROM audit_events WHERE code = 'user.created' AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1",
    );
    const target = row.rows[0];
    expect(target).toBeDefined();
    const since = (target as { at: Date }).at.toISOString();
    const p = await page<JsonlEvent>(auditor, `format=jsonl&limit=5&since=${since}`);
    const first = p.events[0];
    expect(first).toBeDefined();
    expect(new Date((first as JsonlEvent).at).getTime()).toBeGreaterThanOrEqual(
      new Date(since).getTime(),
    );
    expect(BigInt((first as JsonlEvent).seq)).toBeLessThanOrEqual(
      BigInt((target as { seq: string }).seq),
    );
  });

  it("answers 400 naming the field for bad queries", async () => {
    const cases: Array<[query: string, field: string]> = [
      ["limit=0", "limit"],
      ["limit=5001", "limit"],
      ["limit=ten", "limit"],
      ["cursor=-1", "cursor"],
      ["cursor=1.5", "cursor"],
      ["cursor=99999999999999999999", "cursor"],
      ["format=xml", "format"],
      ["since=yesterday", "since"],
      ["cursor=5&since=2026-01-01T00:00:00Z", "since"],
      ["colour=blue", "colour"],
    ];
    for (const [query, field] of cases) {
      const res = await auditor.get(`/api/v1/export/events?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe("invalid_input");
      expect(res.body.error.field, query).toBe(field);
      expect(res.body.error.message, query).toContain(field);
    }
  });

  it("audits exports: audit.exported with the range, at most once a minute per caller", async () => {
    const res = await db.query<{ at: Date; data: Record<string, unknown> }>(
      `SELECT at, data FROM audit_events WHERE code = 'audit.exported' AND actor_name = 'an-auditor'
       ORDER BY at`,
    );
    expect(res.rows.length).toBeGreaterThanOrEqual(1);
    expect(res.rows[0]?.data).toMatchObject({
      format: expect.stringMatching(/jsonl/),
      fromSeq: "1",
      toSeq: expect.stringMatching(/^\d+$/),
      count: expect.any(Number),
    });
    for (let i = 1; i < res.rows.length; i++) {
      const gap = (res.rows[i]?.at.getTime() ?? 0) - (res.rows[i - 1]?.at.getTime() ?? 0);
      expect(gap).toBeGreaterThanOrEqual(59_000);
    }
  });
});

describe("airlock audit export", () => {
  it("appends the events to a file and prints the cursor to resume from", async () => {
    const start = String(Number(await headSeq()) - 4);
    const out = path.join(mkdtempSync(path.join(tmpdir(), "airlock-export-")), "events.jsonl");
    const cli = new Cli({ AIRLOCK_URL: cp.httpUrl, AIRLOCK_API_KEY: auditorKey });
    const res = cli.run(["audit", "export", "--format", "jsonl", "--cursor", start, "-o", out]);
    expect(res.status, res.stderr).toBe(0);
    const lines = readFileSync(out, "utf8").trimEnd().split("\n");
    const seqs = lines.map((l) => (JSON.parse(l) as JsonlEvent).seq);
    expect(seqs[0]).toBe(String(Number(start) + 1));
    const cursor = /next_cursor=(\d+)/.exec(res.stderr)?.[1];
    expect(cursor).toBe(seqs[seqs.length - 1]);

    const cef = cli.run(["audit", "export", "--format", "cef", "--cursor", cursor as string]);
    expect(cef.status, cef.stderr).toBe(0);
    for (const line of cef.stdout.split("\n").filter((l) => l.length > 0)) {
      expect(BigInt(parseCef(line).extension["externalId"] as string)).toBeGreaterThan(
        BigInt(cursor as string),
      );
    }
    expect(cef.stderr).toMatch(/next_cursor=\d+/);

    const both = cli.run(["audit", "export", "--cursor", "1", "--since", "1h"]);
    expect(both.status).toBe(2);
  });

  it("--follow waits for new events until interrupted, then prints the cursor", async () => {
    const cli = new Cli({ AIRLOCK_URL: cp.httpUrl, AIRLOCK_API_KEY: auditorKey });
    const head = await headSeq();
    const follow = cli.spawn([
      "audit",
      "export",
      "--format",
      "jsonl",
      "--cursor",
      head,
      "--follow",
      "--interval",
      "0.2",
    ]);
    await sleep(500);
    await db.query(
      "INSERT INTO audit_events (code, outcome, data) VALUES ('test.follow', 'succeeded', '{}')",
    );
    await follow.waitForOutput(/"code":"test\.follow"/);
    const exit = await follow.stop("SIGINT");
    expect(exit.code, follow.output).toBe(0);
    const seq = /"seq":"(\d+)","id":"\d+","code":"test\.follow"/.exec(follow.output)?.[1];
    expect(follow.output).toContain(`next_cursor=${seq}`);
  });
});
