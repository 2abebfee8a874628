// The tracker completes forwarded commands from the backend messages, in order.
// Backend messages are built by hand here (only the fields the tracker reads).
import type { BackendMessage } from "@airlock/pg-wire";
import { describe, expect, it } from "vitest";
import { type Outcome, ResponseTracker } from "../src/gateway/postgres/response-tracker";

const raw = Buffer.alloc(0);
const msg = {
  row: (): BackendMessage => ({ type: "dataRow", raw, columnCount: 1, values: undefined }),
  complete: (tag: string): BackendMessage => ({ type: "commandComplete", raw, tag }),
  empty: (): BackendMessage => ({ type: "emptyQueryResponse", raw }),
  suspended: (): BackendMessage => ({ type: "portalSuspended", raw }),
  error: (code: string, message: string): BackendMessage => ({
    type: "errorResponse",
    raw,
    fields: { severity: "ERROR", code, message, other: {} },
  }),
  ready: (status: "I" | "T" | "E" = "I"): BackendMessage => ({
    type: "readyForQuery",
    raw,
    status,
  }),
  copyIn: (): BackendMessage => ({ type: "copyInResponse", raw, format: 0, columnFormats: [] }),
  copyOut: (): BackendMessage => ({ type: "copyOutResponse", raw, format: 0, columnFormats: [] }),
  copyData: (n: number): BackendMessage => ({ type: "copyData", raw, data: Buffer.alloc(n) }),
  copyDone: (): BackendMessage => ({ type: "copyDone", raw }),
};

function tracker(): { t: ResponseTracker<string>; done: [string, Outcome][] } {
  const done: [string, Outcome][] = [];
  const t = new ResponseTracker<string>((command, outcome) => done.push([command, outcome]));
  return { t, done };
}

function feed(t: ResponseTracker<string>, ...messages: BackendMessage[]): void {
  for (const m of messages) t.observe(m);
}

describe("simple query", () => {
  it("completes at ReadyForQuery with the rows of the tag", () => {
    const { t, done } = tracker();
    t.expectQuery("q1");
    feed(t, msg.row(), msg.row(), msg.complete("SELECT 2"));
    expect(done).toEqual([]);
    expect(t.settled).toBe(false);
    feed(t, msg.ready("T"));
    expect(done).toEqual([
      ["q1", expect.objectContaining({ status: "ok", rowCount: 2, commandTag: "SELECT 2" })],
    ]);
    expect(t.transactionStatus).toBe("T");
    expect(t.settled).toBe(true);
  });

  it("sums rows over a multi-statement string, keeps the last tag and the first error", () => {
    const { t, done } = tracker();
    t.expectQuery("multi");
    feed(
      t,
      msg.complete("INSERT 0 3"),
      msg.row(),
      msg.complete("SELECT 1"),
      msg.error("22012", "division by zero"),
      msg.ready("I"),
    );
    expect(done[0]?.[1]).toEqual({
      status: "error",
      rowCount: 4,
      commandTag: "SELECT 1",
      errorCode: "22012",
      errorMessage: "division by zero",
      copyDirection: null,
      copyBytes: null,
      maskCounts: null,
      resultSample: null,
    });
  });

  it("counts DataRows when the tag carries no count (SHOW)", () => {
    const { t, done } = tracker();
    t.expectQuery("show");
    feed(t, msg.row(), msg.complete("SHOW"), msg.ready());
    expect(done[0]?.[1]).toMatchObject({ rowCount: 1, commandTag: "SHOW" });
  });

  it("has no row count for a statement without rows", () => {
    const { t, done } = tracker();
    t.expectQuery("ddl");
    feed(t, msg.complete("CREATE TABLE"), msg.ready());
    expect(done[0]?.[1]).toMatchObject({
      status: "ok",
      rowCount: null,
      commandTag: "CREATE TABLE",
    });
  });

  it("counts COPY FROM STDIN bytes from the client and the rows from the tag", () => {
    const { t, done } = tracker();
    t.expectQuery("copy in");
    feed(t, msg.copyIn());
    t.countCopyIn(10);
    t.countCopyIn(5);
    feed(t, msg.complete("COPY 3"), msg.ready());
    t.countCopyIn(99); // after the COPY ended: not counted
    expect(done[0]?.[1]).toMatchObject({ copyDirection: "in", copyBytes: 15, rowCount: 3 });
  });

  it("counts COPY TO STDOUT bytes from the server", () => {
    const { t, done } = tracker();
    t.expectQuery("copy out");
    feed(
      t,
      msg.copyOut(),
      msg.copyData(7),
      msg.copyData(8),
      msg.copyDone(),
      msg.complete("COPY 2"),
      msg.ready(),
    );
    expect(done[0]?.[1]).toMatchObject({ copyDirection: "out", copyBytes: 15, rowCount: 2 });
  });
});

describe("extended protocol", () => {
  it("completes each Execute at its CommandComplete, before ReadyForQuery", () => {
    const { t, done } = tracker();
    t.expectExecute("e1");
    t.expectExecute("e2");
    t.expectSync();
    feed(t, msg.row(), msg.complete("SELECT 1"));
    expect(done.map(([c]) => c)).toEqual(["e1"]);
    feed(t, msg.complete("UPDATE 4"));
    expect(done.map(([c, o]) => [c, o.rowCount])).toEqual([
      ["e1", 1],
      ["e2", 4],
    ]);
    expect(t.settled).toBe(false);
    feed(t, msg.ready());
    expect(t.settled).toBe(true);
  });

  it("marks Executes after an error as skipped at ReadyForQuery", () => {
    const { t, done } = tracker();
    t.expectExecute("e1");
    t.expectExecute("e2");
    t.expectExecute("e3");
    t.expectSync();
    feed(t, msg.complete("INSERT 0 1"), msg.error("23505", "duplicate key"), msg.ready("E"));
    expect(done.map(([c, o]) => [c, o.status, o.errorCode])).toEqual([
      ["e1", "ok", null],
      ["e2", "error", "23505"],
      ["e3", "skipped", null],
    ]);
    expect(t.transactionStatus).toBe("E");
  });

  it("gives a Parse error to the first Execute of the batch", () => {
    const { t, done } = tracker();
    t.expectExecute("e1");
    t.expectSync();
    feed(t, msg.error("42601", "syntax error"), msg.ready());
    expect(done).toEqual([
      ["e1", expect.objectContaining({ status: "error", errorCode: "42601" })],
    ]);
  });

  it("completes on EmptyQueryResponse and PortalSuspended", () => {
    const { t, done } = tracker();
    t.expectExecute("empty");
    t.expectExecute("partial");
    t.expectSync();
    feed(t, msg.empty(), msg.row(), msg.row(), msg.suspended(), msg.ready());
    expect(done.map(([c, o]) => [c, o.status, o.rowCount])).toEqual([
      ["empty", "ok", null],
      ["partial", "ok", 2],
    ]);
  });

  it("is settled for a batch forwarded at Flush once its Executes completed", () => {
    const { t } = tracker();
    t.expectExecute("e1");
    expect(t.settled).toBe(false);
    feed(t, msg.complete("SELECT 0"));
    expect(t.settled).toBe(true);
  });

  it("is settled after an error in a batch forwarded at Flush (the server skips to Sync)", () => {
    const { t } = tracker();
    t.expectExecute("e1");
    t.expectExecute("e2");
    feed(t, msg.error("42P01", "no such table"));
    expect(t.settled).toBe(true);
  });

  it("ignores a batch without Execute except for its ReadyForQuery", () => {
    const { t, done } = tracker();
    t.expectSync();
    feed(t, msg.error("42601", "syntax error"), msg.ready());
    expect(done).toEqual([]);
    expect(t.settled).toBe(true);
  });
});

describe("session end", () => {
  it("interrupts every command still waiting, in order", () => {
    const { t, done } = tracker();
    t.expectQuery("q");
    t.expectExecute("e");
    t.expectSync();
    feed(t, msg.row());
    t.interruptAll();
    expect(done.map(([c, o]) => [c, o.status])).toEqual([
      ["q", "interrupted"],
      ["e", "interrupted"],
    ]);
    expect(t.pendingCommands).toBe(0);
  });
});
