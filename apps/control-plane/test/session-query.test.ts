// GET /api/v1/sessions query parsing: typed filters, the page size, the opaque cursor,
// and 400s that name the query field.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "../src/sessions/session-cursor";
import { SessionListQuery } from "../src/sessions/session.schemas";
import { ZodPipe } from "../src/validation/zod.pipe";

const pipe = new ZodPipe(SessionListQuery);
const parse = (query: Record<string, unknown>) => pipe.transform(query, { type: "query" });

describe("session list query", () => {
  it("defaults the page size to 50 and leaves filters unset", () => {
    expect(parse({})).toEqual({ limit: 50 });
  });

  it("parses every filter", () => {
    const id = randomUUID();
    const startedAt = new Date("2026-03-01T10:00:00.123Z");
    const query = parse({
      user: "alice",
      connection: "pg-prod",
      status: "closed",
      from: "2026-03-01T00:00:00Z",
      to: "2026-03-02T00:00:00+02:00",
      limit: "500",
      cursor: encodeCursor({ startedAt, id }),
    });
    expect(query).toEqual({
      user: "alice",
      connection: "pg-prod",
      status: "closed",
      from: new Date("2026-03-01T00:00:00Z"),
      to: new Date("2026-03-01T22:00:00Z"),
      limit: 500,
      cursor: { startedAt, id },
    });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["status outside the enum", { status: "running" }, "status"],
    ["limit 0", { limit: "0" }, "limit"],
    ["limit 501", { limit: "501" }, "limit"],
    ["a non-numeric limit", { limit: "ten" }, "limit"],
    ["a fractional limit", { limit: "2.5" }, "limit"],
    ["a date without time", { from: "2026-03-01" }, "from"],
    ["a timestamp without zone", { to: "2026-03-01T10:00:00" }, "to"],
    ["garbage in from", { from: "yesterday" }, "from"],
    ["to not after from", { from: "2026-03-02T00:00:00Z", to: "2026-03-01T00:00:00Z" }, "to"],
    ["a made-up cursor", { cursor: "bm90LWEtY3Vyc29y" }, "cursor"],
    ["a cursor with bad characters", { cursor: "a+b/c==" }, "cursor"],
    ["a connection that is not a name", { connection: "Not A Name" }, "connection"],
    ["an empty user", { user: "" }, "user"],
    ["a repeated parameter", { status: ["open", "closed"] }, "status"],
    ["an unknown parameter", { state: "closed" }, "state"],
  ])("refuses %s, naming the field", (_what, query, field) => {
    expect(() => parse(query)).toThrow(
      expect.objectContaining({
        code: "invalid_input",
        field,
        message: expect.stringMatching(new RegExp(`^query\\.${field}: `)),
      }),
    );
  });
});

describe("session cursor", () => {
  it("round-trips (startedAt, id) as base64url", () => {
    const cursor = { startedAt: new Date("2026-01-02T03:04:05.678Z"), id: randomUUID() };
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text)).toEqual(cursor);
  });

  it.each([
    ["empty", ""],
    ["not base64url", "@@@"],
    [
      "another version",
      Buffer.from(`2|2026-01-02T03:04:05.678Z|${randomUUID()}`).toString("base64url"),
    ],
    [
      "a bad timestamp",
      Buffer.from(`1|2026-13-02T03:04:05.678Z|${randomUUID()}`).toString("base64url"),
    ],
    [
      "a non-canonical timestamp",
      Buffer.from(`1|2026-01-02|${randomUUID()}`).toString("base64url"),
    ],
    ["a bad id", Buffer.from("1|2026-01-02T03:04:05.678Z|x").toString("base64url")],
    [
      "extra parts",
      Buffer.from(`1|2026-01-02T03:04:05.678Z|${randomUUID()}|x`).toString("base64url"),
    ],
  ])("refuses %s", (_what, text) => {
    expect(decodeCursor(text)).toBeUndefined();
  });
});
