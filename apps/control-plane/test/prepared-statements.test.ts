// Each Execute is recorded with the text of its statement and the values of its
// Bind; a batch changes the session's statements only when it is committed.
import type { FrontendMessage } from "@airlock/pg-wire";
import { describe, expect, it } from "vitest";
import { recordedParams } from "../src/gateway/postgres/bind-params";
import { PreparedStatements } from "../src/gateway/postgres/prepared-statements";

const raw = Buffer.alloc(0);
const parse = (name: string, sql: string): FrontendMessage => ({
  type: "parse",
  raw,
  name,
  sql,
  paramTypes: [],
});
const bind = (
  portal: string,
  statement: string,
  params: (string | null)[],
  formats: number[] = [],
): FrontendMessage => ({
  type: "bind",
  raw,
  portal,
  statement,
  paramFormats: formats,
  params: params.map((p) => (p === null ? null : Buffer.from(p))),
  resultFormats: [],
});
const execute = (portal: string): FrontendMessage => ({ type: "execute", raw, portal, maxRows: 0 });
const close = (target: "statement" | "portal", name: string): FrontendMessage => ({
  type: "close",
  raw,
  target,
  name,
});
const sync: FrontendMessage = { type: "sync", raw };

describe("PreparedStatements", () => {
  it("records the unnamed statement and its parameters per Execute", () => {
    const plan = new PreparedStatements().plan([
      parse("", "select $1::int"),
      bind("", "", ["42"]),
      execute(""),
      sync,
    ]);
    expect(plan.executes).toEqual([{ portal: "", sql: "select $1::int", params: ["42"] }]);
    expect(plan.parsed).toEqual(["select $1::int"]);
  });

  it("finds a named statement prepared by an earlier, committed batch", () => {
    const p = new PreparedStatements();
    p.plan([parse("s1", "update t set a = $1"), sync]).commit();
    const plan = p.plan([
      bind("", "s1", [null]),
      execute(""),
      bind("", "s1", ["x"]),
      execute(""),
      sync,
    ]);
    expect(plan.executes.map((e) => [e.sql, e.params])).toEqual([
      ["update t set a = $1", [null]],
      ["update t set a = $1", ["x"]],
    ]);
  });

  it("forgets a statement of a batch that was never committed (refused)", () => {
    const p = new PreparedStatements();
    p.plan([parse("s1", "delete from t"), sync]);
    const plan = p.plan([bind("", "s1", []), execute(""), sync]);
    // Not a statement it knows: maybe one prepared with SQL PREPARE, decided as such.
    expect(plan.executes[0]?.sql).toBe('EXECUTE "s1"');
  });

  it("applies Close of a statement", () => {
    const p = new PreparedStatements();
    p.plan([parse("s1", "select 1"), sync]).commit();
    p.plan([close("statement", "s1"), sync]).commit();
    expect(p.plan([bind("", "s1", []), execute(""), sync]).executes[0]?.sql).toBe('EXECUTE "s1"');
  });

  it("runs a statement it does not know as EXECUTE of that name, quoted; the unnamed one as empty", () => {
    const p = new PreparedStatements();
    const plan = p.plan([bind("", 'We"ird', []), execute(""), bind("", "", []), execute(""), sync]);
    expect(plan.executes.map((e) => e.sql)).toEqual(['EXECUTE "We""ird"', ""]);
  });

  it("lists Parses and Executes in the order the server runs them", () => {
    const plan = new PreparedStatements().plan([
      parse("a", "set search_path = s"),
      bind("", "a", []),
      execute(""),
      parse("b", "select * from t"),
      bind("", "b", []),
      execute(""),
      sync,
    ]);
    expect(plan.steps).toEqual([
      { type: "parse", name: "a", sql: "set search_path = s" },
      { type: "execute", index: 0 },
      { type: "parse", name: "b", sql: "select * from t" },
      { type: "execute", index: 1 },
    ]);
  });

  it("refuses a Bind of a statement whose Parse was refused, until the name is parsed again", () => {
    const p = new PreparedStatements();
    p.plan([parse("bad", "drop table t"), sync]);
    p.markRefused(["bad"]);
    expect(p.plan([bind("", "bad", []), execute(""), sync]).refusedStatement).toBe("bad");
    // Parsed again in the same batch: that text is decided instead.
    expect(
      p.plan([parse("bad", "select 1"), bind("", "bad", []), execute(""), sync]).refusedStatement,
    ).toBeUndefined();
    p.plan([parse("bad", "select 1"), sync]).commit();
    expect(p.plan([bind("", "bad", []), execute(""), sync]).refusedStatement).toBeUndefined();
  });

  it("keeps named portals for a later Execute", () => {
    const p = new PreparedStatements();
    p.plan([
      parse("", "select * from big"),
      bind("c1", "", []),
      execute("c1"),
      { type: "flush", raw },
    ]).commit();
    expect(p.plan([execute("c1"), sync]).executes[0]?.sql).toBe("select * from big");
  });
});

describe("recordedParams", () => {
  it("keeps text values as strings, binary ones as hex, NULL as null", () => {
    const values = [Buffer.from("abc"), Buffer.from([0, 1, 255]), null];
    expect(recordedParams([0, 1, 0], values)).toEqual(["abc", { hex: "0001ff" }, null]);
    expect(recordedParams([1], values)).toEqual([{ hex: "616263" }, { hex: "0001ff" }, null]);
    expect(recordedParams([], values)).toEqual(["abc", "\u0000\u0001\ufffd", null]);
  });
});
