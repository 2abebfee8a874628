// Turns zod issues into InvalidInput: the message names the path the way the
// caller sent it (`body.port: expected an integer from 1 to 65535`), `field` is the
// dotted path within that part of the request (`port`).
import { z } from "zod";
import { InvalidInput } from "../errors/domain-errors";

/** Where the value came from: "body", "params", "query". */
export type InputLocation = string;

export function toInvalidInput(
  error: z.ZodError,
  location: InputLocation,
  basePath: string[] = [],
): InvalidInput {
  const described = error.issues.map((issue) => describe(issue, basePath));
  const first = described[0];
  if (first === undefined) return new InvalidInput(`${location}: invalid`);
  const message = described.map((d) => `${qualify(location, d.path)}: ${d.message}`).join("; ");
  return new InvalidInput(message, first.path === "" ? undefined : first.path);
}

interface DescribedIssue {
  path: string;
  message: string;
}

function describe(issue: z.core.$ZodIssue, basePath: string[]): DescribedIssue {
  const path = [...basePath, ...issue.path.map(String)];
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((k) => `"${k}"`).join(", ");
    const field = issue.keys.length === 1 ? [...path, issue.keys[0] ?? ""] : path;
    return {
      path: field.join("."),
      message: `unknown field${issue.keys.length > 1 ? "s" : ""} ${keys}`,
    };
  }
  return { path: path.join("."), message: issue.message };
}

function qualify(location: InputLocation, path: string): string {
  return path === "" ? location : `${location}.${path}`;
}

/**
 * Per-parse error map: plain-language messages for the issues our schemas do not
 * word themselves. Schema-level messages take precedence over this.
 */
export const friendlyErrors: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      return `expected ${article(issue.expected)}, got ${typeName(issue.input)}`;
    case "too_small":
      return bound("at least", issue.origin, issue.minimum);
    case "too_big":
      return bound("at most", issue.origin, issue.maximum);
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_union":
      if ("options" in issue && Array.isArray(issue.options)) {
        return `expected one of ${(issue.options as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
      }
      return undefined;
    default:
      return undefined;
  }
};

function bound(word: string, origin: string, limit: number | bigint): string {
  switch (origin) {
    case "string":
      return limit === 1 && word === "at least"
        ? "must not be empty"
        : `must be ${word} ${limit} characters long`;
    case "array":
    case "set":
      return `must have ${word} ${limit} items`;
    default:
      return `must be ${word} ${limit}`;
  }
}

function article(expected: string): string {
  if (expected === "object") return "a JSON object";
  if (expected === "array") return "a JSON array";
  if (expected === "int") return "an integer";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return typeof value === "number" && !Number.isInteger(value)
    ? "a fractional number"
    : `a ${typeof value}`;
}
