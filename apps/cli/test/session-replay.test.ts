// `airlock sessions replay`: the printer (ReplayRenderer), the player's timing with a fake
// clock, and the command against a fake control plane (paging, -o json, flags).
import { describe, expect, it } from "vitest";
import type { TimelineEntry } from "../src/http/session-event-schemas";
import { play, type ReplayClock } from "../src/io/replay-player";
import { ReplayRenderer, stamp } from "../src/views/session-replay";
import { fakeControlPlane, runAgainst } from "./approval-fixtures";

const ID = "3f0c1a52-8d7e-4c1b-9a51-0b7c2d4e6f80";
const T0 = Date.parse("2025-11-25T11:55:00.000Z");
const at = (offsetMs: number) => ({ at: new Date(T0 + offsetMs).toISOString(), offsetMs });

const session = {
  id: ID,
  user: { id: "u1", name: "alice", kind: "human", owner: null },
  connection: { id: "c1", name: "pg-prod" },
  connector: { id: "k1", name: "edge-1" },
  protocol: "postgres",
  clientAddress: "127.0.0.1:53412",
  status: "closed",
  startedAt: new Date(T0).toISOString(),
  endedAt: new Date(T0 + 9000).toISOString(),
  closeCode: "client_quit",
  closeReason: "client quit",
  commandCount: 4,
};

function command(seq: number, offsetMs: number, fields: Record<string, unknown>) {
  return {
    id: `command-${seq}`,
    ...at(offsetMs),
    kind: "command",
    seq,
    protocol: "simple",
    params: null,
    ruleIds: [],
    reasons: [],
    completedAt: null,
    durationMs: null,
    rowCount: null,
    commandTag: null,
    errorCode: null,
    errorMessage: null,
    copyDirection: null,
    copyBytes: null,
    reviewId: null,
    maskCounts: null,
    resultSample: null,
    receivedAt: at(offsetMs).at,
    ...fields,
  };
}

function review(n: number, offsetMs: number, event: string, fields: Record<string, unknown> = {}) {
  return {
    id: `review-${n}`,
    ...at(offsetMs),
    kind: "review",
    reviewId: "rv-7k2m9x4qpa",
    code: `review.${event}`,
    event,
    outcome: event,
    actor: { name: "dana", kind: "human" },
    commandSeq: 3,
    reason: null,
    data: {},
    ...fields,
  };
}

export const ENTRIES: TimelineEntry[] = [
  { id: "session.started", ...at(0), kind: "session.started", session },
  command(1, 1234, {
    sql: "select id, email\n  from customers\n limit 2",
    decision: "allow",
    ruleIds: ["test-allow-all/everything"],
    status: "ok",
    durationMs: 3.1,
    rowCount: 5,
    commandTag: "SELECT 5",
    maskCounts: { COLUMN: 2 },
    resultSample: {
      columns: ["id", "email"],
      rows: [
        ["1", "h:5d41402abc4b2a76b9719d911017c592"],
        ["2", null],
      ],
      truncated: true,
    },
  }),
  command(2, 2500, {
    sql: "drop table customers",
    decision: "deny",
    ruleIds: ["demo/protect-tables"],
    reasons: ["tables are protected"],
    status: "blocked",
  }),
  command(3, 3000, {
    protocol: "extended",
    sql: "delete from orders where id = $1",
    params: ["4'2"],
    decision: "review",
    ruleIds: ["demo/deletes-need-review"],
    status: "ok",
    reviewId: "rv-7k2m9x4qpa",
    durationMs: 12.44,
    rowCount: 1,
    commandTag: "DELETE 1",
  }),
  review(11, 3001, "requested", {
    outcome: "pending",
    actor: { name: "alice", kind: "human" },
    data: { ruleId: "demo/deletes-need-review", approvers: ["dba"], minApprovals: 1 },
  }),
  { id: "event-1", ...at(4000), kind: "session.event", seq: 1, event: "notice", data: { n: 1 } },
  review(12, 6000, "vote", { outcome: "approve", reason: "planned" }),
  review(13, 6000, "approved", { reason: "planned" }),
  review(14, 6010, "executed", { actor: { name: "alice", kind: "human" } }),
  command(4, 7000, {
    sql: "select 1/0",
    decision: "allow",
    status: "error",
    durationMs: 0.5,
    errorCode: "22012",
    errorMessage: "division by zero",
  }),
  {
    id: "session.ended",
    ...at(9000),
    kind: "session.ended",
    status: "closed",
    closeCode: "client_quit",
    closeReason: "client quit",
    durationMs: 9000,
  },
];

function render(entries: readonly TimelineEntry[]): string {
  const r = new ReplayRenderer();
  return entries.map((e) => r.render(e)).join("") + r.finish();
}

const EXPECTED = `Session:     3f0c1a52-8d7e-4c1b-9a51-0b7c2d4e6f80 (postgres, closed)
User:        alice (human)
Connection:  pg-prod via edge-1
Client:      127.0.0.1:53412
Started:     2025-11-25 11:55:00.000 UTC

[+0.000s] session started
[+1.234s] alice> select id, email
                   from customers
                  limit 2
ALLOW test-allow-all/everything
 id |               email
----+------------------------------------
 1  | h:5d41402abc4b2a76b9719d911017c592
 2  |
(5 rows; first 2 recorded)
masked: COLUMN 2
Time: 3.10ms
[+2.500s] alice> drop table customers
DENY demo/protect-tables: tables are protected
[+3.000s] alice> delete from orders where id = $1
                 -- $1='4''2'
HELD for review rv-7k2m9x4qpa (rule demo/deletes-need-review)
[+3.001s] review rv-7k2m9x4qpa: requested by alice (rule demo/deletes-need-review), needs 1 approval from dba
[+4.000s] event notice {"n":1}
[+6.000s] review rv-7k2m9x4qpa: dana votes approve: planned
[+6.000s] review rv-7k2m9x4qpa: → approved by dana: planned
[+6.010s] review rv-7k2m9x4qpa: → executed
DELETE 1
Time: 12.4ms
[+7.000s] alice> select 1/0
ALLOW
error: division by zero (SQLSTATE 22012)
Time: 0.50ms
[+9.000s] session ended: client quit (client_quit), after 9.0s
`;

describe("the replay printer", () => {
  it("prints the session like a terminal recording: header, prompts, decisions, results, reviews, end", () => {
    expect(render(ENTRIES)).toBe(EXPECTED);
  });

  it("prints a held command's outcome when its review is decided, or at the end when it never is", () => {
    const held = ENTRIES.filter((e) => e.kind !== "review");
    const text = render(held);
    // No decision shown: the outcome comes out at the session's end.
    expect(text).toMatch(
      /\[\+7\.000s\] alice> select 1\/0\n[\s\S]*\nDELETE 1\nTime: 12\.4ms\n\[\+9\.000s\] session ended/,
    );
    const rejected = render([
      ...ENTRIES.slice(0, 4),
      review(20, 5000, "rejected", { reason: "not now" }),
    ]);
    expect(rejected).toContain("review rv-7k2m9x4qpa: → rejected by dana: not now\nDELETE 1\n");
  });

  it("escapes control characters from the server and shows unknown kinds generically", () => {
    const text = render([
      { id: "session.started", ...at(0), kind: "session.started", session },
      command(1, 10, {
        sql: "select '\u001b[31mred'\tx",
        decision: "allow",
        status: "ok",
        commandTag: "SELECT 1",
      }),
      { id: "x-1", ...at(20), kind: "session.paused", why: "\u0007bell" },
      { id: "command-9", ...at(30), kind: "command", sql: 42 },
    ]);
    expect(text).not.toContain("\u001b");
    expect(text).not.toContain("\u0007");
    expect(text).not.toContain("\t");
    expect(text).toContain("alice> select '\\x1b[31mred'  x\n");
    expect(text).toContain('[+0.020s] session.paused {"why":"\\u0007bell"}\n');
    expect(text).toContain('[+0.030s] command {"sql":42}\n');
  });

  it("stamps offsets as seconds, then minutes and hours", () => {
    expect(stamp(0)).toBe("[+0.000s]");
    expect(stamp(1234.4)).toBe("[+1.234s]");
    expect(stamp(59_999)).toBe("[+59.999s]");
    expect(stamp(123_456)).toBe("[+2:03.456]");
    expect(stamp(3_723_004)).toBe("[+1:02:03.004]");
    expect(stamp(-1500)).toBe("[-1.500s]");
  });
});

/** A clock that only moves when the player sleeps (or a test says time passed). */
function fakeClock(): ReplayClock & { t: number; sleeps: number[] } {
  const clock = {
    t: 0,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

/** Plays `entries`, returning the clock time each was printed at. */
async function playAt(
  entries: readonly TimelineEntry[],
  clock: ReturnType<typeof fakeClock>,
  options: { speed: number; maxGapMs?: number },
  /** How long fetching the entry at an index takes (a page boundary), in clock time. */
  fetchDelayMs: Record<number, number> = {},
): Promise<number[]> {
  const printed: number[] = [];
  async function* source(): AsyncGenerator<TimelineEntry> {
    for (const [i, e] of entries.entries()) {
      clock.t += fetchDelayMs[i] ?? 0;
      yield await Promise.resolve(e);
    }
  }
  await play(source(), () => printed.push(clock.t), clock, options);
  return printed;
}

describe("the replay player", () => {
  const offsets = ENTRIES.map((e) => e.offsetMs);

  it("--speed 1 prints each entry when it happened", async () => {
    const clock = fakeClock();
    expect(await playAt(ENTRIES, clock, { speed: 1 })).toEqual(offsets);
  });

  it("--speed 2 waits half as long; 0.5 twice as long", async () => {
    expect(await playAt(ENTRIES, fakeClock(), { speed: 2 })).toEqual(offsets.map((o) => o / 2));
    expect(await playAt(ENTRIES, fakeClock(), { speed: 0.5 })).toEqual(offsets.map((o) => o * 2));
  });

  it("--speed 0 never waits", async () => {
    const clock = fakeClock();
    expect(await playAt(ENTRIES, clock, { speed: 0 })).toEqual(offsets.map(() => 0));
    expect(clock.sleeps).toEqual([]);
  });

  it("absorbs the time spent fetching a page instead of adding it", async () => {
    const clock = fakeClock();
    // The page with the entry at 4.000s takes 0.6s to come, within the 1s pause before it.
    const printed = await playAt(ENTRIES, clock, { speed: 1 }, { 5: 600 });
    expect(printed).toEqual(offsets);
    // A slower page delays that entry, and the schedule catches up afterwards.
    const slow = await playAt(ENTRIES, fakeClock(), { speed: 1 }, { 5: 1500 });
    expect(slow).toEqual(offsets.map((o, i) => (i === 5 ? 4501 : o)));
  });

  it("--max-gap cuts long pauses to its length", async () => {
    const printed = await playAt(ENTRIES, fakeClock(), { speed: 1, maxGapMs: 1000 });
    // Gaps 1234 1266 500 1 999 2000 0 10 990 2000: those over 1000 are cut to it.
    expect(printed).toEqual([0, 1000, 2000, 2500, 2501, 3500, 4500, 4500, 4510, 5500, 6500]);
  });

  it("does not wait for what happened before the session started or after it ended", async () => {
    const entries: TimelineEntry[] = [
      ENTRIES[0] as TimelineEntry,
      review(1, -60_000, "approved"),
      command(1, 1000, { sql: "select 1", decision: "review", status: "ok" }),
      ENTRIES.at(-1) as TimelineEntry,
      review(2, 3_600_000, "approved"),
    ];
    const clock = fakeClock();
    expect(await playAt(entries, clock, { speed: 1 })).toEqual([0, 0, 1000, 9000, 9000]);
  });
});

describe("airlock sessions replay", () => {
  const page1 = { items: ENTRIES.slice(0, 5), nextCursor: "c2" };
  const page2 = { items: ENTRIES.slice(5), nextCursor: null };
  const answer = (seen: { path: string }) =>
    seen.path.includes("cursor=c2") ? { status: 200, body: page2 } : { status: 200, body: page1 };

  it("follows the pages and prints them in order (instantly when stdout is not a terminal)", async () => {
    const { fetch, seen } = fakeControlPlane(answer);
    const result = await runAgainst(fetch, ["sessions", "replay", ID]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      `GET /api/v1/sessions/${ID}/events`,
      `GET /api/v1/sessions/${ID}/events?cursor=c2`,
    ]);
    expect(result.stdout).toBe(EXPECTED);
  });

  it("-o json prints the raw entries, one JSON object per line", async () => {
    const { fetch } = fakeControlPlane(answer);
    const result = await runAgainst(fetch, [
      "sessions",
      "replay",
      ID,
      "-o",
      "json",
      "--speed",
      "0",
    ]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual(ENTRIES);
  });

  it("checks --speed and --max-gap; --no-wait is accepted", async () => {
    const { fetch, seen } = fakeControlPlane(answer);
    for (const bad of [
      ["--speed", "fast"],
      ["--speed", "-1"],
      ["--speed", "1001"],
      ["--max-gap", "soon"],
    ]) {
      const result = await runAgainst(fetch, ["sessions", "replay", ID, ...bad]);
      expect(result.code, bad.join(" ")).toBe(2);
    }
    expect(seen).toHaveLength(0);
    const ok = await runAgainst(fetch, ["sessions", "replay", ID, "--no-wait", "--max-gap", "2s"]);
    expect(ok.code).toBe(0);
  });

  it("a session the caller may not see is reported as not found", async () => {
    const { fetch } = fakeControlPlane(() => ({
      status: 404,
      body: { error: { code: "not_found", message: `no session with id ${ID}` } },
    }));
    const result = await runAgainst(fetch, ["sessions", "replay", ID]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no session with id ${ID}`);
  });

  it("--help documents the timing", async () => {
    const { fetch } = fakeControlPlane(answer);
    const result = await runAgainst(fetch, ["sessions", "replay", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--speed <n>");
    expect(result.stdout).toContain("when stdout is a terminal");
  });
});
