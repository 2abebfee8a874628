// zod issues → InvalidInput: the message names the path the way the caller sent it
// (`body.port: …`), `field` is the dotted path within that part of the request.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { InvalidInput } from "../src/errors/domain-errors";
import { friendlyErrors, toInvalidInput } from "../src/validation/zod-issues";
import { ZodPipe } from "../src/validation/zod.pipe";

function invalid(schema: z.ZodType, value: unknown, location = "body", basePath: string[] = []) {
  const result = schema.safeParse(value, { error: friendlyErrors });
  if (result.success) throw new Error("expected the value to be refused");
  return toInvalidInput(result.error, location, basePath);
}

const Body = z.strictObject({
  name: z.string().min(1),
  port: z.int().min(1).max(65535),
  options: z.strictObject({ sslmode: z.enum(["disable", "require"]).optional() }).optional(),
  tags: z.array(z.string()).optional(),
});

describe("toInvalidInput", () => {
  it.each<[string, unknown, string, string | undefined]>([
    ["a top-level field", { name: "a", port: 0 }, "body.port: must be at least 1", "port"],
    [
      "a nested field",
      { name: "a", port: 1, options: { sslmode: "verify-ca" } },
      'body.options.sslmode: expected one of "disable", "require"',
      "options.sslmode",
    ],
    [
      "an array element",
      { name: "a", port: 1, tags: ["x", 7] },
      "body.tags.1: expected a string, got a number",
      "tags.1",
    ],
    ["a missing field", { port: 1 }, "body.name: is required", "name"],
    ["an empty string", { name: "", port: 1 }, "body.name: must not be empty", "name"],
    [
      "an unknown field",
      { name: "a", port: 1, colour: "blue" },
      'body.colour: unknown field "colour"',
      "colour",
    ],
    [
      "an unknown nested field",
      { name: "a", port: 1, options: { sslcert: "x" } },
      'body.options.sslcert: unknown field "sslcert"',
      "options.sslcert",
    ],
    [
      "several unknown fields",
      { name: "a", port: 1, x: 1, y: 2 },
      'body: unknown fields "x", "y"',
      undefined,
    ],
    ["the whole body", "text", "body: expected a JSON object, got a string", undefined],
    [
      "a fractional number",
      { name: "a", port: 1.5 },
      "body.port: expected an integer, got a fractional number",
      "port",
    ],
  ])("names %s", (_what, value, message, field) => {
    const error = invalid(Body, value);
    expect(error).toBeInstanceOf(InvalidInput);
    expect(error.code).toBe("invalid_input");
    expect(error.message).toBe(message);
    expect(error.field).toBe(field);
  });

  it("lists every issue, and takes the field of the first", () => {
    const error = invalid(Body, { name: "", port: 70000 });
    expect(error.message).toBe("body.name: must not be empty; body.port: must be at most 65535");
    expect(error.field).toBe("name");
  });

  it("prefixes the base path of a parameter", () => {
    const error = invalid(z.uuid({ error: "must be a UUID" }), "nope", "params", ["id"]);
    expect(error.message).toBe("params.id: must be a UUID");
    expect(error.field).toBe("id");
  });

  it("keeps a schema's own message over the friendly default", () => {
    const schema = z.object({ port: z.int({ error: "expected an integer from 1 to 65535" }) });
    expect(invalid(schema, { port: "x" }).message).toBe(
      "body.port: expected an integer from 1 to 65535",
    );
  });
});

describe("ZodPipe", () => {
  const pipe = (schema: z.ZodType) => new ZodPipe(schema);

  it("names body fields under body.", () => {
    expect(() => pipe(Body).transform({ name: "a", port: 0 }, { type: "body" })).toThrow(
      expect.objectContaining({ message: "body.port: must be at least 1", field: "port" }),
    );
  });

  it("refuses a missing body with a hint about Content-Type", () => {
    expect(() => pipe(Body).transform(undefined, { type: "body" })).toThrow(/Content-Type/);
  });

  it("names a path parameter under params.<name>", () => {
    expect(() =>
      pipe(z.uuid({ error: "must be a UUID" })).transform("x", { type: "param", data: "id" }),
    ).toThrow(expect.objectContaining({ message: "params.id: must be a UUID", field: "id" }));
  });

  it("names query fields under query. when the whole query is validated", () => {
    const query = z.strictObject({ limit: z.string().regex(/^\d+$/, { error: "must be digits" }) });
    expect(() => pipe(query).transform({ limit: "x" }, { type: "query" })).toThrow(
      expect.objectContaining({ message: "query.limit: must be digits", field: "limit" }),
    );
  });

  it("returns the parsed value", () => {
    expect(
      pipe(z.object({ n: z.coerce.number() })).transform({ n: "5" }, { type: "query" }),
    ).toEqual({ n: 5 });
  });
});
