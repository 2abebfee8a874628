// Session replay (docs/design/0010-audit.md, "Evidence and replay") through the real gateway:
// one pg session through airlock connect runs a masked SELECT, a denied DROP, a DELETE held
// for review and approved by a DBA, and a failing SELECT. Then GET
// /api/v1/sessions/:id/events gives the timeline in order (decisions, rule ids, the masked
// sample, the review's steps, timing), paging with limit=2 gives the same sequence, a user
// cannot read someone else's, and `airlock sessions replay` prints it.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_STATEMENT_KINDS, Gateway } from "./gateway";
import { type Api, waitUntil } from "./harness";

const POLICY = {
  name: "replay",
  subjects: { users: ["admin"] },
  resources: { connections: ["demo"] },
  mask: [{ columns: ["customers.email"], strategy: "hash" }],
  rules: [
    {
      id: "no-drops",
      match: { sql: { statements: ["drop"] } },
      action: "deny",
      message: "nothing is dropped here",
    },
    {
      id: "deletes-need-review",
      match: { sql: { statements: ["delete"] } },
      action: "review",
      review: { approvers: ["dba"], timeout: "30m" },
    },
    {
      id: "everything-else",
      match: { sql: { statements: [...ALL_STATEMENT_KINDS] } },
      action: "allow",
    },
  ],
};
/** Clear values of the masked column: never in the timeline or the replay. */
const CLEAR = ["customer1@example.com", "customer2@example.com"];
/** The deliberate pause between the DROP and the DELETE. */
const PAUSE_MS = 1200;

let gw: Gateway;
let dana: Api; // dba
let eve: Api; // a user
let audrey: Api; // an auditor
let sessionId: string;
let reviewId: string;
let timeline: any[];

async function person(name: string, role: string, groups: string[] = []): Promise<Api> {
  const created = await gw.cp.api().post("/api/v1/users", { name, role, groups });
  expect(created.status, created.text).toBe(201);
  const key = await gw.cp.api().post("/api/v1/api-keys", { name: "test", user: name });
  expect(key.status, key.text).toBe(201);
  return gw.cp.api(key.body.key);
}

async function failure(promise: Promise<unknown>): Promise<pg.DatabaseError | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return err as pg.DatabaseError;
  }
}

/** Every entry, following nextCursor with `limit` per page. */
async function allPages(api: Api, limit: number): Promise<{ pages: any[][]; items: any[] }> {
  const pages: any[][] = [];
  let cursor: string | null = null;
  do {
    const query: string = `limit=${limit}${cursor === null ? "" : `&cursor=${cursor}`}`;
    const res = await api.get(`/api/v1/sessions/${sessionId}/events?${query}`);
    expect(res.status, res.text).toBe(200);
    pages.push(res.body.items);
    cursor = res.body.nextCursor;
    expect(pages.length).toBeLessThan(100);
  } while (cursor !== null);
  return { pages, items: pages.flat() };
}

beforeAll(async () => {
  gw = await Gateway.start({ policy: "none" });
  await gw.applyPolicy(POLICY);
  dana = await person("dana", "user", ["dba"]);
  eve = await person("eve", "user");
  audrey = await person("audrey", "auditor");

  const client = await gw.client();
  const notices: string[] = [];
  client.on("notice", (n) => notices.push(n.message ?? ""));
  try {
    await client.query("SELECT id, email FROM customers WHERE id <= 2 ORDER BY id");
    const denied = await failure(client.query("DROP TABLE orders"));
    expect(denied?.code).toBe("42501");
    await new Promise((r) => setTimeout(r, PAUSE_MS));
    const held = client.query("DELETE FROM orders WHERE id = 1");
    reviewId = await waitUntil("the hold notice", () =>
      notices.map((n) => /review (rv-[0-9a-z]{10})/.exec(n)?.[1]).find(Boolean),
    );
    const approved = await dana.post(`/api/v1/reviews/${reviewId}/approve`, { reason: "planned" });
    expect(approved.status, approved.text).toBe(200);
    expect((await held).rowCount).toBe(1);
    const error = await failure(client.query("SELECT 1/0"));
    expect(error?.code).toBe("22012");
  } finally {
    await client.end();
  }
  sessionId = (await gw.cp.api().get(`/api/v1/reviews/${reviewId}`)).body.sessionId;
  // The session's end and the completions are written after the fact (batched): wait.
  await waitUntil("the session's end and completions", async () => {
    const s = (await gw.cp.api().get(`/api/v1/sessions/${sessionId}`)).body;
    return s.endedAt !== null && s.commands.every((c: any) => c.status !== "pending");
  });
  // The gateway writes no session_events yet: one is added here, to show it is merged in.
  const [first, second] = await gw.store_<{ received_at: Date }>(
    "SELECT received_at FROM commands WHERE session_id = $1 ORDER BY seq LIMIT 2",
    [sessionId],
  );
  const between = new Date(
    Math.floor((first!.received_at.getTime() + second!.received_at.getTime()) / 2),
  );
  await gw.store_(
    `INSERT INTO session_events (session_id, seq, kind, at, data)
     VALUES ($1, 1, 'test.marker', $2, '{"note": "between the first two commands"}')`,
    [sessionId, between],
  );
  const res = await gw.cp.api().get(`/api/v1/sessions/${sessionId}/events?limit=1000`);
  expect(res.status, res.text).toBe(200);
  expect(res.body.nextCursor).toBeNull();
  timeline = res.body.items;
}, 120_000);

afterAll(async () => {
  await gw?.stop();
});

describe("GET /api/v1/sessions/:id/events", () => {
  it("gives the session's history in order: start, commands, the marker, the review's steps, end", () => {
    expect(timeline.map((e) => (e.kind === "review" ? `review.${e.event}` : e.id))).toEqual([
      "session.started",
      "command-1",
      "event-1",
      "command-2",
      "command-3",
      "review.requested",
      "review.vote",
      "review.approved",
      "review.executed",
      "command-4",
      "session.ended",
    ]);
  });

  it("carries each command's decision, rules, reasons, outcome and masked sample", () => {
    const [select, drop, del, divide] = timeline.filter((e) => e.kind === "command");
    expect(select).toMatchObject({
      seq: 1,
      sql: "SELECT id, email FROM customers WHERE id <= 2 ORDER BY id",
      decision: "allow",
      ruleIds: ["replay/everything-else"],
      status: "ok",
      rowCount: 2,
      commandTag: "SELECT 2",
    });
    expect(select.resultSample.columns).toEqual(["id", "email"]);
    expect(select.resultSample.rows[0][1]).toMatch(/^h:[0-9a-f]{32}$/);
    expect(Object.values(select.maskCounts ?? {}).reduce((a: any, b: any) => a + b, 0)).toBe(2);
    expect(drop).toMatchObject({
      seq: 2,
      decision: "deny",
      ruleIds: ["replay/no-drops"],
      status: "blocked",
    });
    expect(drop.reasons.join(" ")).toContain("nothing is dropped here");
    expect(del).toMatchObject({
      seq: 3,
      decision: "review",
      ruleIds: ["replay/deletes-need-review"],
      reviewId,
      status: "ok",
      commandTag: "DELETE 1",
    });
    expect(divide).toMatchObject({ seq: 4, status: "error", errorCode: "22012" });
    const marker = timeline.find((e) => e.kind === "session.event");
    expect(marker).toMatchObject({ seq: 1, event: "test.marker" });
    expect(marker.data.note).toBe("between the first two commands");
  });

  it("shows who requested, voted, approved and ran the review, for command 3", () => {
    const steps = timeline.filter((e) => e.kind === "review");
    expect(steps.map((e) => [e.event, e.actor?.name, e.reviewId, e.commandSeq])).toEqual([
      ["requested", "admin", reviewId, 3],
      ["vote", "dana", reviewId, 3],
      ["approved", "dana", reviewId, 3],
      ["executed", "admin", reviewId, 3],
    ]);
    expect(steps[2].reason).toBe("planned");
  });

  it("times every entry from the session's start, in order", () => {
    const start = Date.parse(timeline[0].session.startedAt);
    expect(timeline[0]).toMatchObject({ offsetMs: 0, session: { id: sessionId } });
    for (const e of timeline) expect(Date.parse(e.at) - start).toBe(e.offsetMs);
    const offsets = timeline.map((e) => e.offsetMs);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    for (const c of timeline.filter((e) => e.kind === "command" && e.completedAt !== null)) {
      expect(Date.parse(c.completedAt)).toBeGreaterThanOrEqual(Date.parse(c.receivedAt));
      expect(c.durationMs).toBeGreaterThanOrEqual(0);
    }
    const [, drop, del] = timeline.filter((e) => e.kind === "command");
    expect(del.offsetMs - drop.offsetMs).toBeGreaterThanOrEqual(PAUSE_MS);
    const end = timeline.at(-1);
    expect(end).toMatchObject({ kind: "session.ended", status: "closed" });
    expect(end.durationMs).toBe(end.offsetMs);
  });

  it("holds no clear value of the masked column", () => {
    const text = JSON.stringify(timeline);
    for (const value of CLEAR) expect(text).not.toContain(value);
  });

  it("pages: limit=2 gives the same entries as one page, in pages of at most 2", async () => {
    const { pages, items } = await allPages(gw.cp.api(), 2);
    expect(items).toEqual(timeline);
    expect(pages.every((p) => p.length <= 2 && p.length > 0)).toBe(true);
    expect(pages.length).toBe(Math.ceil(timeline.length / 2));
    const byOne = await allPages(gw.cp.api(), 1);
    expect(byOne.items.map((e) => e.id)).toEqual(timeline.map((e) => e.id));
  });

  it("refuses bad limits and cursors with 400 naming the field", async () => {
    for (const query of ["limit=0", "limit=1001", "limit=x", "cursor=nope", "other=1"]) {
      const res = await gw.cp.api().get(`/api/v1/sessions/${sessionId}/events?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe("invalid_input");
    }
  });

  it("an auditor sees it; a user sees only their own (someone else's is 404, like an unknown one)", async () => {
    expect((await audrey.get(`/api/v1/sessions/${sessionId}/events`)).status).toBe(200);
    const other = await eve.get(`/api/v1/sessions/${sessionId}/events`);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe("not_found");
    const unknown = await gw.cp
      .api()
      .get("/api/v1/sessions/00000000-0000-4000-8000-000000000000/events");
    expect(unknown.status).toBe(404);
    expect((await gw.cp.api().get("/api/v1/sessions/not-a-uuid/events")).status).toBe(400);
  });
});

describe("a session that runs an approved review (exec --review)", () => {
  it("shows the review's earlier steps right after its start (negative offsets), then the run", async () => {
    const held = gw.cli.run(["exec", "demo", "--no-wait", "-c", "DELETE FROM orders WHERE id = 2"]);
    expect(held.status, held.stderr).toBe(5);
    const id = held.stdout.trim();
    const approved = await dana.post(`/api/v1/reviews/${id}/approve`, { reason: "ok" });
    expect(approved.status, approved.text).toBe(200);
    const ran = gw.cli.run(["exec", "demo", "--review", id]);
    expect(ran.status, ran.stderr).toBe(0);
    const runSession = await waitUntil("the run's session to end", async () => {
      const r = (await gw.cp.api().get(`/api/v1/reviews/${id}`)).body;
      if (r.executionSessionId == null) return undefined;
      const s = (await gw.cp.api().get(`/api/v1/sessions/${r.executionSessionId}`)).body;
      return s.endedAt !== null && s.commands.every((c: any) => c.status !== "pending")
        ? (r.executionSessionId as string)
        : undefined;
    });
    const res = await gw.cp.api().get(`/api/v1/sessions/${runSession}/events`);
    expect(res.status, res.text).toBe(200);
    const items: any[] = res.body.items;
    expect(items.map((e) => (e.kind === "review" ? `review.${e.event}` : e.id))).toEqual([
      "session.started",
      "review.requested",
      "review.vote",
      "review.approved",
      "command-1",
      "review.executed",
      "session.ended",
    ]);
    for (const e of items.slice(1, 4)) expect(e.offsetMs).toBeLessThan(0);
    expect(items.filter((e) => e.kind === "review").every((e) => e.commandSeq === 1)).toBe(true);
    expect(items[4]).toMatchObject({ decision: "review", reviewId: id, commandTag: "DELETE 1" });

    const replay = gw.cli.run(["sessions", "replay", runSession, "--speed", "0"]);
    expect(replay.status, replay.stderr).toBe(0);
    expect(replay.stdout).toMatch(
      new RegExp(`session started\\n\\[-[0-9.:]+s?\\] review ${id}: requested by admin`),
    );
    expect(replay.stdout).toContain(`review ${id}: → executed\nDELETE 1\n`);
  });
});

describe("airlock sessions replay", () => {
  it("--speed 0 prints the session in order, with decisions, the masked sample and the review", () => {
    const res = gw.cli.run(["sessions", "replay", sessionId, "--speed", "0"]);
    expect(res.status, res.stderr).toBe(0);
    const out = res.stdout;
    for (const value of CLEAR) expect(out).not.toContain(value);
    const expected = [
      "User:        admin",
      "Connection:  demo via edge",
      "admin> SELECT id, email FROM customers WHERE id <= 2 ORDER BY id",
      "ALLOW replay/everything-else",
      " id |               email",
      "(2 rows)",
      "event test.marker",
      "admin> DROP TABLE orders",
      "DENY replay/no-drops: nothing is dropped here",
      "admin> DELETE FROM orders WHERE id = 1",
      `HELD for review ${reviewId} (rule replay/deletes-need-review)`,
      `review ${reviewId}: requested by admin`,
      `review ${reviewId}: dana votes approve: planned`,
      `review ${reviewId}: → approved by dana: planned`,
      `review ${reviewId}: → executed`,
      "DELETE 1",
      "admin> SELECT 1/0",
      "error: division by zero (SQLSTATE 22012)",
      "session ended: ",
    ];
    let from = 0;
    for (const text of expected) {
      const at = out.indexOf(text, from);
      expect(at, `${text} after offset ${from} in:\n${out}`).toBeGreaterThanOrEqual(from);
      from = at + text.length;
    }
    expect(out).toMatch(/ 1 +\| h:[0-9a-f]{32}\n/);
    expect(out).toMatch(/^\[\+\d+\.\d{3}s\] admin> DROP TABLE orders$/m);
  });

  it("-o json prints the entries of the API, one per line", () => {
    const res = gw.cli.run(["sessions", "replay", sessionId, "-o", "json"]);
    expect(res.status, res.stderr).toBe(0);
    const lines = res.stdout.trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual(timeline);
  });

  it("--speed 2 waits: the replay takes at least half the deliberate pause", () => {
    // A lower bound on a deliberate sleep (behaviour), not a performance measurement.
    const started = Date.now();
    const res = gw.cli.run(["sessions", "replay", sessionId, "--speed", "2"]);
    expect(res.status, res.stderr).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(PAUSE_MS / 2);
  });

  it("an unknown session is not found", () => {
    const res = gw.cli.run(["sessions", "replay", "00000000-0000-4000-8000-000000000000"]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain("no session with id");
  });
});
