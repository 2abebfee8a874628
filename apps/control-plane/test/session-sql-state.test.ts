// The session's SQL state, as the decision point sees it: the search path (exact, or every
// candidate while unsure), SQL-level prepared statements, and how the server reads text.
// Statements come from policy-core's real inspector.
import { inspectSql, loadSqlParser } from "@airlock/policy-core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type CommandEffects,
  SessionSqlState,
  searchPathOf,
} from "../src/gateway/postgres/session-sql-state";

const DEFAULT = ["$user", "public"];

beforeAll(async () => {
  await loadSqlParser();
});

/** The effects of `sql` once forwarded (as the command path does for an allowed command). */
function forward(state: SessionSqlState, sql: string, autocommit = true): CommandEffects {
  const effects = state.effectsOf(inspectSql(sql).statements, autocommit);
  state.forwarded(effects);
  return effects;
}

/** Forwarded, completed with `status`, then ReadyForQuery with `tx`. */
function run(
  state: SessionSqlState,
  sql: string,
  status: "ok" | "error" = "ok",
  tx: "I" | "T" | "E" = "I",
  autocommit = true,
): void {
  const effects = forward(state, sql, autocommit);
  state.completed(effects, status);
  state.ready(tx);
}

const path = (state: SessionSqlState): string[] => searchPathOf(state.view);

describe("search_path", () => {
  it("starts with the startup value", () => {
    expect(path(new SessionSqlState(["app"]))).toEqual(["app"]);
  });

  it("a SET that completes OK in autocommit makes it exact", () => {
    const state = new SessionSqlState(DEFAULT);
    run(state, "SET search_path TO secret, public");
    expect(path(state)).toEqual(["secret", "public"]);
  });

  it("while a SET is in flight, the old and the new schemas are both candidates", () => {
    const state = new SessionSqlState(DEFAULT);
    forward(state, "SET search_path = secret");
    expect(path(state)).toEqual(["secret", "$user", "public"]);
  });

  it("a SET that failed leaves both as candidates", () => {
    const state = new SessionSqlState(DEFAULT);
    run(state, "SET search_path = secret", "error");
    expect(path(state)).toEqual(["secret", "$user", "public"]);
  });

  it("inside a transaction block the old value stays a candidate (it may roll back)", () => {
    const state = new SessionSqlState(DEFAULT);
    run(state, "BEGIN", "ok", "T");
    run(state, "SET search_path = secret", "ok", "T", false);
    run(state, "ROLLBACK");
    expect(path(state)).toEqual(["secret", "$user", "public"]);
    // The next SET in autocommit is exact again.
    run(state, "SET search_path = public");
    expect(path(state)).toEqual(["public"]);
  });

  it("a SET in the same string as BEGIN is not exact", () => {
    const state = new SessionSqlState(DEFAULT);
    run(state, "BEGIN; SET search_path = secret; COMMIT");
    expect(path(state)).toEqual(["secret", "$user", "public"]);
  });

  it("SET LOCAL and set_config only add candidates", () => {
    const state = new SessionSqlState(["public"]);
    run(state, "SET LOCAL search_path = secret");
    expect(path(state)).toEqual(["public", "secret"]);
    run(state, "SELECT set_config('search_path', 'other', false)");
    expect(path(state)).toEqual(["public", "secret", "other"]);
  });

  it("RESET and DISCARD ALL restore the startup value", () => {
    const state = new SessionSqlState(["app"]);
    run(state, "SET search_path = secret");
    run(state, "RESET search_path");
    expect(path(state)).toEqual(["app"]);
    run(state, "SET search_path = secret");
    run(state, "DISCARD ALL");
    expect(path(state)).toEqual(["app"]);
  });

  it("SET … TO DEFAULT (or the default written out) keeps both candidates when the startup set another", () => {
    const state = new SessionSqlState(["app"]);
    run(state, "SET search_path TO DEFAULT");
    expect(path(state)).toEqual(["app", "$user", "public"]);
  });

  it("a completed exact SET waits for the other path changes in flight", () => {
    const state = new SessionSqlState(DEFAULT);
    const first = forward(state, "SET search_path = a");
    const second = forward(state, "SET search_path = b", false);
    state.completed(first, "ok");
    state.ready("I");
    expect(path(state)).toEqual(["b", "$user", "public", "a"]);
    state.completed(second, "ok");
    state.ready("I");
    expect(path(state)).toEqual(["b", "$user", "public", "a"]);
  });

  it("a value the server reports (Postgres 18+) is exact", () => {
    const state = new SessionSqlState(DEFAULT);
    forward(state, "SET search_path = a");
    state.parameterStatus("search_path", '"A b", public');
    expect(path(state)).toEqual(["A b", "public"]);
    expect(state.reportsSearchPath).toBe(true);
  });

  it("a batch is decided on a branch that is adopted only when forwarded", () => {
    const state = new SessionSqlState(DEFAULT);
    const effects = state.effectsOf(inspectSql("SET search_path = secret").statements, true);
    const branch = SessionSqlState.apply(state.view, effects.ops).view;
    expect(searchPathOf(branch)).toEqual(["secret", "$user", "public"]);
    expect(path(state)).toEqual(DEFAULT);
  });
});

describe("SQL-level prepared statements", () => {
  it("remembers a PREPARE's text from when it is forwarded", () => {
    const state = new SessionSqlState(DEFAULT);
    const effects = forward(state, "PREPARE p(int) AS SELECT * FROM t WHERE id = $1");
    expect(state.context(state.view, false).preparedText("p")).toBe(
      "PREPARE p(int) AS SELECT * FROM t WHERE id = $1",
    );
    expect(effects.added).toEqual(["p"]);
  });

  it("forgets it when the command did not complete OK (fail closed)", () => {
    const state = new SessionSqlState(DEFAULT);
    run(state, "PREPARE p AS SELECT 1", "error");
    expect(state.view.prepared.has("p")).toBe(false);
  });

  it("keeps the first text when the name is prepared again (the server refuses that)", () => {
    const state = new SessionSqlState(DEFAULT);
    run(state, "PREPARE p AS SELECT 1");
    run(state, "PREPARE p AS SELECT 2", "error");
    expect(state.view.prepared.get("p")).toBe("PREPARE p AS SELECT 1");
  });

  it("DEALLOCATE forgets one, DEALLOCATE ALL and DISCARD ALL every one", () => {
    const state = new SessionSqlState(DEFAULT);
    run(state, "PREPARE a AS SELECT 1; PREPARE b AS SELECT 2; PREPARE c AS SELECT 3");
    run(state, "DEALLOCATE a");
    expect([...state.view.prepared.keys()]).toEqual(["b", "c"]);
    run(state, "DEALLOCATE ALL");
    expect(state.view.prepared.size).toBe(0);
    run(state, "PREPARE d AS SELECT 1");
    run(state, "DISCARD ALL");
    expect(state.view.prepared.size).toBe(0);
  });
});

describe("how the server reads text", () => {
  it("follows standard_conforming_strings and client_encoding, unknown while a command runs", () => {
    const state = new SessionSqlState(DEFAULT);
    expect(state.context(state.view, false)).toMatchObject({
      standardConformingStrings: true,
      clientEncoding: "UTF8",
    });
    expect(state.context(state.view, true)).toMatchObject({
      standardConformingStrings: undefined,
      clientEncoding: undefined,
    });
    state.parameterStatus("standard_conforming_strings", "off");
    state.parameterStatus("client_encoding", "SJIS");
    expect(state.context(state.view, true)).toMatchObject({
      standardConformingStrings: false,
      clientEncoding: undefined,
    });
    expect(state.context(state.view, false)).toMatchObject({ clientEncoding: "SJIS" });
  });
});
