import {
  encodeCommandComplete,
  encodeDataRow,
  encodeReadyForQuery,
  encodeRowDescription,
  BackendParser,
  type BackendMessage,
} from "@airlock/pg-wire";
import { describe, expect, it } from "vitest";
import { type Outcome, ResponseTracker } from "../src/gateway/postgres/response-tracker";

function messages(...frames: Buffer[]): BackendMessage[] {
  const out: BackendMessage[] = [];
  new BackendParser({ lazyDataRows: true }).parse(Buffer.concat(frames), (m) => out.push(m));
  return out;
}

const field = (name: string) => ({
  name,
  tableOid: 0,
  columnAttr: 0,
  typeOid: 25,
  typeSize: -1,
  typeModifier: -1,
  format: 0,
});

function run(
  limits: { rows: number; bytes: number },
  frames: Buffer[],
  counts?: Record<string, number>,
) {
  const outcomes: Outcome[] = [];
  const tracker = new ResponseTracker<number>((_c, o) => outcomes.push(o), limits);
  tracker.expectQuery(1);
  if (counts !== undefined) tracker.addMaskCounts(counts);
  for (const m of messages(...frames)) tracker.observe(m);
  return outcomes[0] as Outcome;
}

const rows = (n: number) =>
  Array.from({ length: n }, (_, i) => encodeDataRow([`row${i}`, i % 2 === 0 ? null : "x"]));

describe("result samples and mask counts on the command's outcome", () => {
  it("keeps the first rows up to the row cap and says it was truncated", () => {
    const o = run({ rows: 2, bytes: 1000 }, [
      encodeRowDescription([field("a"), field("b")]),
      ...rows(3),
      encodeCommandComplete("SELECT 3"),
      encodeReadyForQuery("I"),
    ]);
    expect(o.resultSample).toEqual({
      columns: ["a", "b"],
      rows: [
        ["row0", null],
        ["row1", "x"],
      ],
      truncated: true,
    });
    expect(o.rowCount).toBe(3);
  });

  it("stops at the byte cap", () => {
    const o = run({ rows: 100, bytes: 9 }, [
      encodeRowDescription([field("a"), field("b")]),
      ...rows(3),
      encodeCommandComplete("SELECT 3"),
      encodeReadyForQuery("I"),
    ]);
    expect(o.resultSample).toMatchObject({
      rows: [
        ["row0", null],
        ["row1", "x"],
      ],
      truncated: true,
    });
  });

  it("keeps only the first result of a multi-statement string", () => {
    const o = run({ rows: 100, bytes: 1000 }, [
      encodeRowDescription([field("a"), field("b")]),
      ...rows(1),
      encodeCommandComplete("SELECT 1"),
      encodeRowDescription([field("c")]),
      encodeDataRow(["other"]),
      encodeCommandComplete("SELECT 1"),
      encodeReadyForQuery("I"),
    ]);
    expect(o.resultSample).toEqual({
      columns: ["a", "b"],
      rows: [["row0", null]],
      truncated: true,
    });
  });

  it("records nothing when sampling is off", () => {
    const o = run({ rows: 0, bytes: 1000 }, [
      encodeRowDescription([field("a")]),
      encodeDataRow(["v"]),
      encodeCommandComplete("SELECT 1"),
      encodeReadyForQuery("I"),
    ]);
    expect(o.resultSample).toBeNull();
  });

  it("carries the connector's mask counts, summed", () => {
    const outcomes: Outcome[] = [];
    const tracker = new ResponseTracker<number>((_c, o) => outcomes.push(o));
    tracker.expectQuery(1);
    tracker.addMaskCounts({ EMAIL: 2 });
    tracker.addMaskCounts({ EMAIL: 1, COLUMN: 4 });
    for (const m of messages(encodeCommandComplete("SELECT 0"), encodeReadyForQuery("I"))) {
      tracker.observe(m);
    }
    expect(outcomes[0]?.maskCounts).toEqual({ EMAIL: 3, COLUMN: 4 });
  });
});
