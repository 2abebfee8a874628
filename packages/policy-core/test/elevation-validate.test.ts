import { describe, expect, it } from "vitest";
import { validatePolicy } from "../src/index";

/** A valid elevation policy to break one field at a time. */
function base(): Record<string, any> {
  return {
    name: "dba-write-elevation",
    elevation: {
      role: "dba-write",
      approvers: ["dba"],
      min_approvals: 1,
      max_duration: "4h",
      timeout: "30m",
      break_glass: ["oncall"],
      notify: ["slack-dba"],
    },
    subjects: { groups: ["engineers"] },
    resources: { tags: { env: "demo" } },
    rules: [
      {
        id: "writes",
        match: { sql: { statements: ["insert", "update", "delete", "ddl"] } },
        action: "allow",
      },
    ],
  };
}

function broken(edit: (doc: Record<string, any>) => void): Record<string, any> {
  const doc = base();
  edit(doc);
  return doc;
}

const malformed: { name: string; doc: unknown; path: string; message: string }[] = [
  {
    name: "an elevation needs a role",
    doc: broken((d) => delete d.elevation.role),
    path: "elevation.role",
    message: "is required (a string)",
  },
  {
    name: "a role must be a slug like a policy name",
    doc: broken((d) => (d.elevation.role = "dba write")),
    path: "elevation.role",
    message: '"dba write" is not a valid name',
  },
  {
    name: "an elevation needs approvers",
    doc: broken((d) => delete d.elevation.approvers),
    path: "elevation.approvers",
    message: "is required (a list)",
  },
  {
    name: "an elevation needs at least one approver group",
    doc: broken((d) => (d.elevation.approvers = [])),
    path: "elevation.approvers",
    message: "list at least one approver group; nobody could approve a request for this role",
  },
  {
    name: "min_approvals must be at least 1",
    doc: broken((d) => (d.elevation.min_approvals = 0)),
    path: "elevation.min_approvals",
    message: "must be at least 1",
  },
  {
    name: "min_approvals must be at most 10",
    doc: broken((d) => (d.elevation.min_approvals = 11)),
    path: "elevation.min_approvals",
    message: "must be at most 10",
  },
  {
    name: "max_duration must be a duration",
    doc: broken((d) => (d.elevation.max_duration = "4 hours")),
    path: "elevation.max_duration",
    message: 'invalid duration "4 hours"; use a number and a unit',
  },
  {
    name: "max_duration must be at least 1m",
    doc: broken((d) => (d.elevation.max_duration = "30s")),
    path: "elevation.max_duration",
    message: '"30s" is out of range; a grant lasts from 1m to 7d',
  },
  {
    name: "max_duration must be at most 7d",
    doc: broken((d) => (d.elevation.max_duration = "7d1m")),
    path: "elevation.max_duration",
    message: '"7d1m" is out of range; a grant lasts from 1m to 7d',
  },
  {
    name: "the request timeout must be a duration",
    doc: broken((d) => (d.elevation.timeout = "30")),
    path: "elevation.timeout",
    message: 'invalid duration "30"; use a number and a unit',
  },
  {
    name: "an unknown field in an elevation is rejected with a suggestion",
    doc: broken((d) => (d.elevation.approver = ["dba"])),
    path: "elevation.approver",
    message: 'unknown field "approver" (did you mean "approvers"?); fields allowed here: role,',
  },
  {
    name: "a misspelt elevation section is rejected with a suggestion",
    doc: broken((d) => {
      d.elevaton = d.elevation;
      delete d.elevation;
    }),
    path: "elevaton",
    message: 'unknown field "elevaton" (did you mean "elevation"?)',
  },
  {
    name: "an elevation must be an object",
    doc: broken((d) => (d.elevation = "dba-write")),
    path: "elevation",
    message: 'expected an object, got the string "dba-write"',
  },
  {
    name: "elevation webhook names must be non-empty strings",
    doc: broken((d) => (d.elevation.notify = [""])),
    path: "elevation.notify[0]",
    message: "must not be empty",
  },
  {
    name: "an unknown field in a review next to notify is rejected",
    doc: broken((d) => {
      d.rules[0] = {
        id: "r",
        match: {},
        action: "review",
        review: { approvers: ["dba"], notfy: ["x"] },
      };
    }),
    path: "rules[0].review.notfy",
    message: 'unknown field "notfy" (did you mean "notify"?)',
  },
];

describe("elevation validation errors name the path and the fix", () => {
  it.each(malformed)("$name", ({ doc, path, message }) => {
    const result = validatePolicy(doc);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const messages = result.errors.filter((e) => e.path === path).map((e) => e.message);
    expect(
      messages.some((m) => m.includes(message)),
      JSON.stringify(result.errors),
    ).toBe(true);
  });
});

describe("valid elevation policies", () => {
  it("the 0006 example is valid and kept as written", () => {
    expect(validatePolicy(base())).toEqual({ ok: true, policy: base() });
  });

  it.each([
    {
      name: "only role and approvers",
      edit: (d: any) => (d.elevation = { role: "r", approvers: ["a"] }),
    },
    { name: "max_duration of exactly 1m", edit: (d: any) => (d.elevation.max_duration = "1m") },
    { name: "max_duration of exactly 7d", edit: (d: any) => (d.elevation.max_duration = "7d") },
    { name: "min_approvals of 10", edit: (d: any) => (d.elevation.min_approvals = 10) },
  ])("an elevation with $name is valid", ({ edit }) => {
    expect(validatePolicy(broken(edit)).ok).toBe(true);
  });

  it("a review rule may name webhooks to notify", () => {
    const doc = broken((d) => {
      delete d.elevation;
      d.rules[0] = {
        id: "ddl",
        match: { sql: { statements: ["ddl"] } },
        action: "review",
        review: { approvers: ["dba"], notify: ["slack-dba", "pager"] },
      };
    });
    expect(validatePolicy(doc).ok).toBe(true);
  });
});
