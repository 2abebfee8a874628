// The search path a session starts with is read from its StartupMessage the way
// Postgres reads it, so that no spelling of `options` hides a schema from policy.
import { describe, expect, it } from "vitest";
import {
  splitIdentifierList,
  splitOptions,
  startupSearchPath,
} from "../src/gateway/postgres/startup-search-path";

describe("startupSearchPath", () => {
  it.each([
    ["no parameter: Postgres' default", {}, ["$user", "public"]],
    ["a search_path parameter", { search_path: "app, public" }, ["app", "public"]],
    ["-c name=value in options", { options: "-c search_path=app" }, ["app"]],
    ["-cname=value", { options: "-csearch_path=app,x" }, ["app", "x"]],
    ["--name=value", { options: "--search_path=app" }, ["app"]],
    ["a hyphen for the underscore", { options: "--search-path=app" }, ["app"]],
    ["the name in capitals", { options: "-c SEARCH_PATH=app" }, ["app"]],
    ["after other settings", { options: "-c work_mem=4MB -c search_path=app" }, ["app"]],
    ["a backslash-escaped space", { options: "-c search_path=a,\\ b" }, ["a", "b"]],
    [
      "quoted names kept as written",
      { search_path: '"My Schema", public' },
      ["My Schema", "public"],
    ],
    ["unquoted names lowercased", { search_path: "App" }, ["app"]],
    [
      "both a parameter and an option: every schema is a candidate",
      { search_path: "a", options: "-c search_path=b" },
      ["a", "b"],
    ],
    ["other options only: the default", { options: "-c work_mem=4MB" }, ["$user", "public"]],
  ])("%s", (_name, parameters, expected) => {
    expect(startupSearchPath(parameters)).toEqual({ path: expected });
  });

  it("refuses a value Postgres would not read as a list, naming it", () => {
    const result = startupSearchPath({ options: '-c search_path="unterminated' });
    expect(result).toEqual({
      problem: expect.stringMatching(/startup search_path ""unterminated" is not a valid list/),
    });
  });
});

describe("splitOptions (pg_split_opts)", () => {
  it("splits on whitespace and honours backslashes", () => {
    expect(splitOptions("  -c a=1\t-c  b=x\\ y  ")).toEqual(["-c", "a=1", "-c", "b=x y"]);
    expect(splitOptions("")).toEqual([]);
  });
});

describe("splitIdentifierList (SplitIdentifierString)", () => {
  it.each([
    ["", []],
    ["a", ["a"]],
    ["a , B", ["a", "b"]],
    ['"a""b", c', ['a"b', "c"]],
    ['"$user", public', ["$user", "public"]],
  ])("%j", (value, expected) => {
    expect(splitIdentifierList(value)).toEqual(expected);
  });

  it.each(["a,", ",a", "a b", '""', '"a'])("refuses %j", (value) => {
    expect(splitIdentifierList(value)).toBeUndefined();
  });
});
