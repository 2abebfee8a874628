import type { z } from "zod";
import { RULE_STATEMENT_KINDS } from "../sql/kinds";
import type { PolicyDocument, PolicyValidationError } from "./types";
import { ACTIONS, DAYS, DETECTORS, MASK_STRATEGIES } from "./types";
import { KNOWN_FIELDS, PolicyDocumentSchema } from "./schema";
import { didYouMean } from "./suggest";
import { DURATION_HINT, parseDuration } from "./duration";
import { isTimeZone, parseClock } from "./time-window";
import { regexProblem } from "./regex";
import { MAX_ELEVATION_DURATION_MS, MIN_ELEVATION_DURATION_MS } from "./elevation";

export type PolicyValidationResult =
  { ok: true; policy: PolicyDocument } | { ok: false; errors: PolicyValidationError[] };

type Path = readonly PropertyKey[];

/**
 * Validate a parsed policy document (the caller parses YAML or JSON). Every error names
 * its path (`rules[2].match.sql.statements[0]`) and says how to fix it.
 */
export function validatePolicy(input: unknown): PolicyValidationResult {
  const parsed = PolicyDocumentSchema.safeParse(input);
  const errors = parsed.success ? [] : parsed.error.issues.flatMap((i) => describe(i, input));
  errors.push(...semanticErrors(input));
  if (parsed.success && errors.length === 0) return { ok: true, policy: parsed.data };
  return { ok: false, errors: dedupe(errors) };
}

/** `rules[2].match.sql` from ["rules", 2, "match", "sql"]. */
export function formatPath(path: Path): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(document)" : out;
}

/** What a list of values at this path is called, for messages. */
function nounFor(path: Path): { noun: string; values: readonly string[] } | undefined {
  const names = path.filter((p): p is string => typeof p === "string");
  const last = names[names.length - 1];
  switch (last) {
    case "statements":
      return { noun: "statement kind", values: RULE_STATEMENT_KINDS };
    case "action":
      return { noun: "action", values: ACTIONS };
    case "strategy":
      return { noun: "mask strategy", values: MASK_STRATEGIES };
    case "detect":
      return { noun: "detector", values: DETECTORS };
    case "days":
      return { noun: "day", values: DAYS };
    default:
      return undefined;
  }
}

function describe(issue: z.core.$ZodIssue, input: unknown): PolicyValidationError[] {
  const path = issue.path;
  const here = formatPath(path);
  const value = valueAt(input, path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = KNOWN_FIELDS[pattern(path)] ?? [];
      return issue.keys.map((key) => ({
        path: formatPath([...path, key]),
        message:
          `unknown field "${key}"${didYouMean(key, known)}; ` +
          `fields allowed here: ${known.join(", ")}`,
      }));
    }
    case "invalid_value": {
      const noun = nounFor(path);
      const allowed = (noun?.values ?? issue.values.map(String)).join(", ");
      if (value === undefined) {
        return [{ path: here, message: `is required: one of ${allowed}` }];
      }
      if (typeof value !== "string") {
        return [{ path: here, message: `expected one of ${allowed}, got ${typeName(value)}` }];
      }
      const hint =
        noun?.noun === "statement kind" && value === "unparseable"
          ? "; unparseable SQL is always denied and cannot be allowed"
          : `${didYouMean(value, noun?.values ?? [])}; expected one of ${allowed}`;
      return [{ path: here, message: `unknown ${noun?.noun ?? "value"} "${value}"${hint}` }];
    }
    case "invalid_type": {
      if (value === undefined) {
        return [{ path: here, message: `is required (${article(issue.expected)})` }];
      }
      return [
        {
          path: here,
          message: `expected ${article(issue.expected)}, got ${typeName(value)}`,
        },
      ];
    }
    case "too_small":
      if (issue.origin === "array") {
        return [{ path: here, message: `must list at least ${String(issue.minimum)} entry` }];
      }
      if (issue.origin === "string") return [{ path: here, message: "must not be empty" }];
      return [{ path: here, message: `must be at least ${String(issue.minimum)}` }];
    case "too_big":
      return [{ path: here, message: `must be at most ${String(issue.maximum)}` }];
    case "invalid_format":
      return [
        {
          path: here,
          message:
            `"${String(value)}" is not a valid name: start with a letter or digit and use ` +
            'only letters, digits, ".", "_" and "-"',
        },
      ];
    default:
      return [{ path: here, message: issue.message }];
  }
}

/** Cross-field checks, run on the raw input so every error is reported at once. */
function semanticErrors(input: unknown): PolicyValidationError[] {
  const errors: PolicyValidationError[] = [];
  const add = (path: Path, message: string): void => {
    errors.push({ path: formatPath(path), message });
  };
  if (!isRecord(input)) {
    return [{ path: "(document)", message: `expected a policy object, got ${typeName(input)}` }];
  }
  const subjects = input.subjects;
  if (
    isRecord(subjects) &&
    !["groups", "users", "service_accounts"].some((k) => nonEmptyArray(subjects[k]))
  ) {
    add(
      ["subjects"],
      "list at least one of groups, users or service_accounts; a policy for nobody never applies",
    );
  }
  const resources = input.resources;
  if (
    isRecord(resources) &&
    !nonEmptyArray(resources.connections) &&
    !(isRecord(resources.tags) && Object.keys(resources.tags).length > 0)
  ) {
    add(
      ["resources"],
      "list connections (names or globs) or tags; a policy on nothing never applies",
    );
  }
  const rules = Array.isArray(input.rules) ? input.rules : [];
  const firstId = new Map<string, number>();
  rules.forEach((rule, i) => {
    if (!isRecord(rule)) return;
    const at = (...rest: PropertyKey[]): Path => ["rules", i, ...rest];
    if (typeof rule.id === "string") {
      const first = firstId.get(rule.id);
      if (first === undefined) firstId.set(rule.id, i);
      else
        add(
          at("id"),
          `duplicate rule id "${rule.id}" (also rules[${first}].id); rule ids must be unique within a policy`,
        );
    }
    checkReview(rule, at, add);
    const match = rule.match;
    if (!isRecord(match)) return;
    const sql = match.sql;
    if (isRecord(sql)) {
      if (typeof sql.regex === "string") {
        const problem = regexProblem(sql.regex);
        if (problem !== undefined) add(at("match", "sql", "regex"), `regex ${problem}`);
      }
      if (Array.isArray(sql.tables)) {
        sql.tables.forEach((t, j) => {
          if (typeof t === "string" && t.split(".").length > 2) {
            add(
              at("match", "sql", "tables", j),
              `"${t}" has more than one dot; a table glob is "schema.table" or "table"`,
            );
          }
        });
      }
      if (Object.keys(sql).length === 0) {
        add(
          at("match", "sql"),
          "is empty; give statements, tables, functions, without_where, regex, copy_program or copy_file, or remove it",
        );
      }
    }
    checkTime(match.time, at, add);
  });
  const mask = Array.isArray(input.mask) ? input.mask : [];
  mask.forEach((m, i) => {
    if (isRecord(m) && !nonEmptyArray(m.columns) && !nonEmptyArray(m.detect)) {
      add(
        ["mask", i],
        "a mask rule needs columns (globs on table.column) or detect (detectors), or both",
      );
    }
  });
  checkElevation(input.elevation, add);
  return errors;
}

function checkElevation(elevation: unknown, add: (path: Path, message: string) => void): void {
  if (!isRecord(elevation)) return;
  if (Array.isArray(elevation.approvers) && elevation.approvers.length === 0) {
    add(
      ["elevation", "approvers"],
      "list at least one approver group; nobody could approve a request for this role otherwise",
    );
  }
  const maxDuration = elevation.max_duration;
  if (typeof maxDuration === "string") {
    const ms = parseDuration(maxDuration);
    if (ms === undefined) {
      add(["elevation", "max_duration"], `invalid duration "${maxDuration}"; ${DURATION_HINT}`);
    } else if (ms < MIN_ELEVATION_DURATION_MS || ms > MAX_ELEVATION_DURATION_MS) {
      add(
        ["elevation", "max_duration"],
        `"${maxDuration}" is out of range; a grant lasts from 1m to 7d, e.g. "4h"`,
      );
    }
  }
  if (typeof elevation.timeout === "string" && parseDuration(elevation.timeout) === undefined) {
    add(["elevation", "timeout"], `invalid duration "${elevation.timeout}"; ${DURATION_HINT}`);
  }
}

function checkReview(
  rule: Record<string, unknown>,
  at: (...rest: PropertyKey[]) => Path,
  add: (path: Path, message: string) => void,
): void {
  const review = rule.review;
  if (rule.action === "review") {
    if (review === undefined) {
      add(at("review"), "a review rule needs review: { approvers: [...] } naming who can approve");
    } else if (
      isRecord(review) &&
      Array.isArray(review.approvers) &&
      review.approvers.length === 0
    ) {
      add(
        at("review", "approvers"),
        "list at least one approver group; nobody could approve otherwise",
      );
    }
  } else if (review !== undefined && (rule.action === "allow" || rule.action === "deny")) {
    add(
      at("review"),
      `review applies only to action: review; remove it or change the action (now "${rule.action}")`,
    );
  }
  if (
    isRecord(review) &&
    typeof review.timeout === "string" &&
    parseDuration(review.timeout) === undefined
  ) {
    add(at("review", "timeout"), `invalid duration "${review.timeout}"; ${DURATION_HINT}`);
  }
}

function checkTime(
  time: unknown,
  at: (...rest: PropertyKey[]) => Path,
  add: (path: Path, message: string) => void,
): void {
  if (!isRecord(time)) return;
  if (typeof time.timezone === "string" && time.timezone !== "" && !isTimeZone(time.timezone)) {
    add(
      at("match", "time", "timezone"),
      `unknown time zone "${time.timezone}"${didYouMean(time.timezone, timeZones())}; use an IANA name such as "Europe/Paris" or "UTC"`,
    );
  }
  if (time.days === undefined && time.hours === undefined) {
    add(
      at("match", "time"),
      "give days, hours or both (a window that is always open is no window)",
    );
  }
  const hours = time.hours;
  if (isRecord(hours)) {
    for (const end of ["from", "to"] as const) {
      const v = hours[end];
      if (typeof v === "string" && parseClock(v) === undefined) {
        add(
          at("match", "time", "hours", end),
          `invalid time "${v}"; use 24-hour "HH:MM", e.g. "09:00" or "18:30"`,
        );
      }
    }
    if (typeof hours.from === "string" && hours.from === hours.to) {
      add(
        at("match", "time", "hours"),
        "from and to are equal, so the window is empty; to wrap past midnight use from > to",
      );
    }
  }
}

let zones: readonly string[] | undefined;
function timeZones(): readonly string[] {
  zones ??= typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return zones;
}

function pattern(path: Path): string {
  return path
    .map((p) => (typeof p === "number" ? "[]" : String(p)))
    .join(".")
    .replace(/\.\[\]/g, "[]");
}

function valueAt(input: unknown, path: Path): unknown {
  let v: unknown = input;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return `the string "${v}"`;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") {
    return `${typeof v} ${v}`;
  }
  return typeof v;
}

function article(expected: string): string {
  if (expected === "array") return "a list";
  if (expected === "object") return "an object";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function nonEmptyArray(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0;
}

function dedupe(errors: PolicyValidationError[]): PolicyValidationError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
