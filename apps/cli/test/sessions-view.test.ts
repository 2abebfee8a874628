import { describe, expect, it } from "vitest";
import { parseDuration, parseSince } from "../src/commands/time-flags";
import { UsageError } from "../src/errors";
import { SessionDetailSchema, SessionPageSchema } from "../src/http/schemas";
import { formatDuration, formatMillis } from "../src/output/duration";
import { commandLine, commandTable, sessionDetails, sessionTable } from "../src/views/sessions";

const NOW = new Date("2025-11-25T12:00:00.000Z");
const ID = "3f0c1a52-8d7e-4c1b-9a51-0b7c2d4e6f80";

const closed = {
  id: ID,
  user: { id: "u1", name: "alice", kind: "human" },
  connection: { id: "c1", name: "pg-prod" },
  connector: { id: "k1", name: "edge-1" },
  protocol: "postgres",
  clientAddress: "127.0.0.1:53412",
  status: "closed",
  startedAt: "2025-11-25T11:55:00.000Z",
  endedAt: "2025-11-25T11:58:05.000Z",
  closeCode: "normal",
  closeReason: "client quit",
  commandCount: 3,
};
const active = {
  ...closed,
  id: "9b2e4f10-0000-4000-8000-000000000001",
  user: { id: "u2", name: "build-bot", kind: "service_account" },
  status: "active",
  startedAt: "2025-11-25T11:59:48.000Z",
  endedAt: null,
  closeCode: null,
  closeReason: null,
  commandCount: 0,
};

const commands = [
  {
    seq: 1,
    protocol: "simple",
    sql: "select id,\n       email\n  from users\n limit 5",
    params: null,
    decision: "allow",
    ruleIds: [],
    reasons: [],
    status: "ok",
    receivedAt: "2025-11-25T11:55:01.123Z",
    completedAt: "2025-11-25T11:55:01.130Z",
    durationMs: 3.1,
    rowCount: 5,
    commandTag: "SELECT 5",
    errorCode: null,
    errorMessage: null,
    copyDirection: null,
    copyBytes: null,
  },
  {
    seq: 2,
    protocol: "extended",
    sql: "update users set name = $1 where id = $2 and note = $3",
    params: ["O'Brien", null, { hex: "dead" }],
    decision: "allow",
    status: "error",
    receivedAt: "2025-11-25T11:55:02.000Z",
    durationMs: 12.44,
    rowCount: null,
    errorCode: "23505",
    errorMessage: "duplicate key value violates unique constraint",
  },
  {
    seq: 3,
    protocol: "simple",
    sql: "drop table users",
    decision: "deny",
    reasons: ["DROP is blocked on production"],
    status: "blocked",
    receivedAt: "2025-11-25T11:55:03.000Z",
  },
  {
    seq: 4,
    protocol: "simple",
    sql: "alter table users add column x int",
    decision: "review",
    ruleIds: ["prod-engineers/ddl-needs-dba"],
    reasons: ["schema changes need a DBA"],
    status: "blocked",
    receivedAt: "2025-11-25T11:55:04.000Z",
  },
];

describe("sessions list view", () => {
  it("shows full ids, user, connection, status, age, duration, commands and close reason", () => {
    const page = SessionPageSchema.parse({ items: [closed, active], nextCursor: null });
    expect(sessionTable(page.items, NOW)).toBe(
      [
        "ID                                     USER        CONNECTION   STATUS   STARTED   DURATION   COMMANDS   CLOSE REASON",
        `${ID}   alice       pg-prod      closed   5m ago    3m 05s     3          client quit`,
        "9b2e4f10-0000-4000-8000-000000000001   build-bot   pg-prod      active   12s ago   12s        0          -",
      ].join("\n") + "\n",
    );
  });

  it("accepts a session whose connection and connector were deleted", () => {
    const page = SessionPageSchema.parse({
      items: [{ ...closed, connection: { id: null, name: "gone" }, connector: null }],
      nextCursor: "abc",
    });
    expect(sessionTable(page.items, NOW)).toContain("gone");
    expect(page.nextCursor).toBe("abc");
  });
});

describe("sessions show view", () => {
  const detail = SessionDetailSchema.parse({ ...closed, commands });

  it("prints the header, then every command in order with errors under their SQL", () => {
    expect(sessionDetails(detail, NOW, { width: undefined, full: false })).toBe(
      [
        `Session:         ${ID}`,
        "User:            alice (human)",
        "Connection:      pg-prod",
        "Connector:       edge-1",
        "Protocol:        postgres",
        "Client address:  127.0.0.1:53412",
        "Status:          closed",
        "Started:         2025-11-25 11:55:00 UTC (5m ago)",
        "Ended:           2025-11-25 11:58:05 UTC (2m ago)",
        "Duration:        3m 05s",
        "Close reason:    client quit (normal)",
        "Commands:        3",
        "",
        "SEQ   TIME           DECISION   STATUS    DURATION   ROWS   SQL",
        "1     11:55:01.123   allow      ok        3.10ms     5      select id, email from users limit 5",
        "2     11:55:02.000   allow      error     12.4ms     -      update users set name = $1 where id = $2 and note = $3 -- $1='O''Brien', $2=NULL, $3='\\xdead'",
        `${" ".repeat(60)}error 23505: duplicate key value violates unique constraint`,
        "3     11:55:03.000   deny       blocked   -          -      drop table users",
        `${" ".repeat(60)}denied: DROP is blocked on production`,
        "4     11:55:04.000   review     blocked   -          -      alter table users add column x int",
        `${" ".repeat(60)}needs approval (rule prod-engineers/ddl-needs-dba): schema changes need a DBA`,
      ].join("\n") + "\n",
    );
  });

  it("cuts SQL to the terminal width unless --full", () => {
    const cut = commandTable(detail.commands, { width: 100, full: false }).split("\n");
    expect(cut[2]).toBe(
      "2     11:55:02.000   allow      error     12.4ms     -      update users set name = $1 where id = $…",
    );
    expect(cut.every((line) => line.length <= 100)).toBe(true);
    // A very narrow terminal still shows the first 20 characters.
    const narrow = commandTable(detail.commands, { width: 40, full: false }).split("\n");
    expect(narrow[1]).toMatch(/ select id, email fr…$/);
    const full = commandTable(detail.commands, { width: 100, full: true });
    expect(full).toContain("$3='\\xdead'");
  });

  it("says so when a session ran no commands", () => {
    const empty = SessionDetailSchema.parse({ ...active, commands: [] });
    expect(sessionDetails(empty, NOW, { width: 120, full: false })).toMatch(
      /Ended:\s+-\n.*\nClose reason:\s+-\nCommands:\s+0\n\nNo commands recorded\.\n$/,
    );
  });

  it("puts SQL on one line and escapes control characters", () => {
    expect(commandLine({ sql: "select\t1\r\n  ,2", params: [] })).toBe("select 1 ,2");
    const table = commandTable(
      SessionDetailSchema.parse({
        ...closed,
        commands: [{ ...commands[0], sql: "select '\u001b[2J'" }],
      }).commands,
      { width: undefined, full: false },
    );
    expect(table).toContain("select '\\x1b[2J'");
  });
});

describe("durations", () => {
  it("formats spans for people", () => {
    expect(formatDuration(850)).toBe("850ms");
    expect(formatDuration(4_200)).toBe("4.2s");
    expect(formatDuration(42_000)).toBe("42s");
    expect(formatDuration(185_000)).toBe("3m 05s");
    expect(formatDuration(7_620_000)).toBe("2h 07m");
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe("3d 4h");
    expect(formatDuration(-1)).toBe("-");
  });

  it("formats command durations with sub-millisecond precision", () => {
    expect(formatMillis(0.42)).toBe("0.42ms");
    expect(formatMillis(12.44)).toBe("12.4ms");
    expect(formatMillis(340.2)).toBe("340ms");
    expect(formatMillis(2_500)).toBe("2.5s");
    expect(formatMillis(null)).toBe("-");
  });
});

describe("--since", () => {
  it("parses durations, also compound ones", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("30m")).toBe(1_800_000);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("2d")).toBe(172_800_000);
    expect(parseDuration("1w")).toBe(604_800_000);
    expect(parseDuration("1.5h")).toBe(5_400_000);
    for (const bad of ["", "1", "h", "1y", "-1h", "1h 30m", "soon"]) {
      expect(parseDuration(bad)).toBeUndefined();
    }
  });

  it("turns a duration into the instant that long before now", () => {
    expect(parseSince("1h", NOW)).toBe("2025-11-25T11:00:00.000Z");
    expect(parseSince("2d", NOW)).toBe("2025-11-23T12:00:00.000Z");
  });

  it("accepts ISO times with a zone as they are", () => {
    expect(parseSince("2025-11-25T10:00:00Z", NOW)).toBe("2025-11-25T10:00:00.000Z");
    expect(parseSince("2025-11-25T10:00:00+02:00", NOW)).toBe("2025-11-25T08:00:00.000Z");
    expect(parseSince("2025-11-25", NOW)).toBe(new Date(2025, 10, 25).toISOString());
  });

  it("refuses anything else with a usage error that shows the forms", () => {
    expect(() => parseSince("yesterday", NOW)).toThrow(UsageError);
    expect(() => parseSince("11/25/2025", NOW)).toThrow(/30m, 1h, 2d.*2025-11-25T10:00:00Z/);
    expect(() => parseSince("2025-13-45", NOW, "--until")).toThrow(/^--until:/);
  });
});
