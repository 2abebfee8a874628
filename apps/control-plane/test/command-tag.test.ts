// Rows affected or returned, read from a CommandComplete tag.
import { describe, expect, it } from "vitest";
import { rowsFromTag } from "../src/gateway/postgres/command-tag";

describe("rowsFromTag", () => {
  it.each([
    ["INSERT 0 5", 5],
    ["UPDATE 3", 3],
    ["DELETE 0", 0],
    ["MERGE 12", 12],
    ["SELECT 100", 100],
    ["COPY 7", 7],
    ["FETCH 2", 2],
    ["MOVE 4", 4],
  ])("%s counts %i rows", (tag, rows) => {
    expect(rowsFromTag(tag)).toBe(rows);
  });

  it.each(["CREATE TABLE", "BEGIN", "SET", "SHOW", "DISCARD ALL", "SELECT", "UPDATE x", ""])(
    "%s has no count",
    (tag) => {
      expect(rowsFromTag(tag)).toBeNull();
    },
  );
});
