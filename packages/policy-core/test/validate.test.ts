import { describe, expect, it } from "vitest";
import { PolicyDocumentSchema, validatePolicy } from "../src/index";
import { demoPolicy } from "./fixtures/demo-policy";

/** A valid document to break one field at a time. */
function base(): Record<string, any> {
  return {
    name: "prod-engineers",
    subjects: { groups: ["engineers"] },
    resources: { tags: { env: "prod" } },
    rules: [
      {
        id: "block-unbounded-writes",
        match: { sql: { statements: ["update", "delete"], without_where: true } },
        action: "deny",
      },
      {
        id: "ddl-needs-dba",
        match: { sql: { statements: ["ddl"] } },
        action: "review",
        review: { approvers: ["dba"], min_approvals: 1, timeout: "30m" },
      },
      { id: "reads", match: { sql: { statements: ["select"] } }, action: "allow" },
    ],
    mask: [
      { columns: ["*.email", "customers.ssn"], strategy: "partial" },
      { detect: ["credit_card", "iban", "api_key", "jwt"], strategy: "redact" },
    ],
  };
}

function broken(edit: (doc: Record<string, any>) => void): Record<string, any> {
  const doc = base();
  edit(doc);
  return doc;
}

const malformed: { name: string; doc: unknown; path: string; message: string | RegExp }[] = [
  {
    name: "a misspelt statement kind names its path and suggests the kind",
    doc: broken((d) => (d.rules[2].match.sql.statements = ["selct"])),
    path: "rules[2].match.sql.statements[0]",
    message: 'unknown statement kind "selct" (did you mean "select"?)',
  },
  {
    name: "unparseable cannot be named as a statement kind",
    doc: broken((d) => (d.rules[2].match.sql.statements = ["unparseable"])),
    path: "rules[2].match.sql.statements[0]",
    message: "unparseable SQL is always denied",
  },
  {
    name: "a misspelt action suggests the action",
    doc: broken((d) => (d.rules[2].action = "alow")),
    path: "rules[2].action",
    message: 'unknown action "alow" (did you mean "allow"?); expected one of allow, deny, review',
  },
  {
    name: "a missing action is required",
    doc: broken((d) => delete d.rules[0].action),
    path: "rules[0].action",
    message: "is required: one of allow, deny, review",
  },
  {
    name: "a misspelt mask strategy suggests the strategy",
    doc: broken((d) => (d.mask[0].strategy = "redcat")),
    path: "mask[0].strategy",
    message: 'unknown mask strategy "redcat" (did you mean "redact"?)',
  },
  {
    name: "a misspelt detector suggests the detector",
    doc: broken((d) => (d.mask[1].detect = ["credit-card"])),
    path: "mask[1].detect[0]",
    message: 'unknown detector "credit-card" (did you mean "credit_card"?)',
  },
  {
    name: "a misspelt day suggests the day",
    doc: broken((d) => (d.rules[2].match.time = { days: ["mno"], timezone: "UTC" })),
    path: "rules[2].match.time.days[0]",
    message: 'unknown day "mno" (did you mean "mon"?)',
  },
  {
    name: "an unknown field is rejected by name with a suggestion",
    doc: broken((d) => (d.rules[0].match.sql = { statments: ["update"] })),
    path: "rules[0].match.sql.statments",
    message: 'unknown field "statments" (did you mean "statements"?)',
  },
  {
    name: "an unknown top-level field is rejected",
    doc: broken((d) => (d.rulez = [])),
    path: "rulez",
    message: 'unknown field "rulez" (did you mean "rules"?)',
  },
  {
    name: "an unknown field in a review is rejected",
    doc: broken((d) => (d.rules[1].review.approver = ["dba"])),
    path: "rules[1].review.approver",
    message: 'unknown field "approver" (did you mean "approvers"?)',
  },
  {
    name: "duplicate rule ids are rejected at the second one",
    doc: broken((d) => (d.rules[2].id = "block-unbounded-writes")),
    path: "rules[2].id",
    message: 'duplicate rule id "block-unbounded-writes" (also rules[0].id)',
  },
  {
    name: "a review rule needs a review block",
    doc: broken((d) => delete d.rules[1].review),
    path: "rules[1].review",
    message: "a review rule needs review: { approvers: [...] }",
  },
  {
    name: "a review rule needs at least one approver",
    doc: broken((d) => (d.rules[1].review.approvers = [])),
    path: "rules[1].review.approvers",
    message: "list at least one approver group",
  },
  {
    name: "a review block on an allow rule is rejected",
    doc: broken((d) => (d.rules[2].review = { approvers: ["dba"] })),
    path: "rules[2].review",
    message: "review applies only to action: review",
  },
  {
    name: "a duration without a unit is rejected with an example",
    doc: broken((d) => (d.rules[1].review.timeout = "30")),
    path: "rules[1].review.timeout",
    message: 'invalid duration "30"; use a number and a unit, e.g. "45s", "30m", "1h" or "1h30m"',
  },
  {
    name: "a duration in words is rejected",
    doc: broken((d) => (d.rules[1].review.timeout = "30 minutes")),
    path: "rules[1].review.timeout",
    message: 'invalid duration "30 minutes"',
  },
  {
    name: "min_approvals must be at least 1",
    doc: broken((d) => (d.rules[1].review.min_approvals = 0)),
    path: "rules[1].review.min_approvals",
    message: "must be at least 1",
  },
  {
    name: "a regex that does not compile is rejected",
    doc: broken((d) => (d.rules[2].match.sql.regex = "(unclosed")),
    path: "rules[2].match.sql.regex",
    message: /^regex does not compile/,
  },
  {
    name: "a regex with nested quantifiers is rejected as catastrophic",
    doc: broken((d) => (d.rules[2].match.sql.regex = "(a+)+$")),
    path: "rules[2].match.sql.regex",
    message: /nests a quantifier/,
  },
  {
    name: "a regex with a backreference is rejected",
    doc: broken((d) => (d.rules[2].match.sql.regex = "(a)\\1")),
    path: "rules[2].match.sql.regex",
    message: /backreference/,
  },
  {
    name: "a very long regex is rejected",
    doc: broken((d) => (d.rules[2].match.sql.regex = "a".repeat(300))),
    path: "rules[2].match.sql.regex",
    message: /keep it under 256/,
  },
  {
    name: "an unknown time zone is rejected with a suggestion",
    doc: broken((d) => (d.rules[2].match.time = { days: ["mon"], timezone: "Europe/Pariss" })),
    path: "rules[2].match.time.timezone",
    message: 'unknown time zone "Europe/Pariss" (did you mean "Europe/Paris"?)',
  },
  {
    name: "a time window needs a time zone",
    doc: broken((d) => (d.rules[2].match.time = { days: ["mon"] })),
    path: "rules[2].match.time.timezone",
    message: "is required (a string)",
  },
  {
    name: "a time window needs days or hours",
    doc: broken((d) => (d.rules[2].match.time = { timezone: "UTC" })),
    path: "rules[2].match.time",
    message: "give days, hours or both",
  },
  {
    name: "hours must be HH:MM",
    doc: broken(
      (d) => (d.rules[2].match.time = { hours: { from: "9am", to: "17:00" }, timezone: "UTC" }),
    ),
    path: "rules[2].match.time.hours.from",
    message: 'invalid time "9am"; use 24-hour "HH:MM"',
  },
  {
    name: "an empty window is rejected",
    doc: broken(
      (d) => (d.rules[2].match.time = { hours: { from: "09:00", to: "09:00" }, timezone: "UTC" }),
    ),
    path: "rules[2].match.time.hours",
    message: "from and to are equal",
  },
  {
    name: "subjects must name someone",
    doc: broken((d) => (d.subjects = {})),
    path: "subjects",
    message: "list at least one of groups, users or service_accounts",
  },
  {
    name: "resources must name connections or tags",
    doc: broken((d) => (d.resources = { tags: {} })),
    path: "resources",
    message: "list connections (names or globs) or tags",
  },
  {
    name: "a missing subjects block is required",
    doc: broken((d) => delete d.subjects),
    path: "subjects",
    message: "is required (an object)",
  },
  {
    name: "rules must be a list",
    doc: broken((d) => (d.rules = { id: "x" })),
    path: "rules",
    message: "expected a list, got an object",
  },
  {
    name: "a policy needs at least one rule",
    doc: broken((d) => (d.rules = [])),
    path: "rules",
    message: "must list at least 1 entry",
  },
  {
    name: "a group name must be a string",
    doc: broken((d) => (d.subjects.groups = [42])),
    path: "subjects.groups[0]",
    message: "expected a string, got number 42",
  },
  {
    name: "without_where must be a boolean",
    doc: broken((d) => (d.rules[0].match.sql.without_where = "yes")),
    path: "rules[0].match.sql.without_where",
    message: 'expected a boolean, got the string "yes"',
  },
  {
    name: "a mask rule needs columns or detectors",
    doc: broken((d) => (d.mask[0] = { strategy: "hash" })),
    path: "mask[0]",
    message: "a mask rule needs columns",
  },
  {
    name: "a policy name must be a slug",
    doc: broken((d) => (d.name = "prod engineers!")),
    path: "name",
    message: '"prod engineers!" is not a valid name',
  },
  {
    name: "a rule id must be a slug",
    doc: broken((d) => (d.rules[0].id = "")),
    path: "rules[0].id",
    message: "is not a valid name",
  },
  {
    name: "an empty sql match is rejected",
    doc: broken((d) => (d.rules[2].match.sql = {})),
    path: "rules[2].match.sql",
    message: "is empty",
  },
  {
    name: "a table glob with two dots is rejected",
    doc: broken((d) => (d.rules[2].match.sql.tables = ["db.public.users"])),
    path: "rules[2].match.sql.tables[0]",
    message: 'a table glob is "schema.table"',
  },
  {
    name: "a document that is not an object is rejected",
    doc: "name: x",
    path: "(document)",
    message: 'expected a policy object, got the string "name: x"',
  },
];

describe("policy validation errors name the path and the fix", () => {
  it.each(malformed)("$name", ({ doc, path, message }) => {
    const result = validatePolicy(doc);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const atPath = result.errors.filter((e) => e.path === path);
    expect(atPath.length, JSON.stringify(result.errors)).toBeGreaterThan(0);
    const messages = atPath.map((e) => e.message);
    if (typeof message === "string")
      expect(
        messages.some((m) => m.includes(message)),
        JSON.stringify(messages),
      ).toBe(true);
    else
      expect(
        messages.some((m) => message.test(m)),
        JSON.stringify(messages),
      ).toBe(true);
  });
});

describe("valid policies", () => {
  it("the DESIGN §4 example is valid", () => {
    expect(validatePolicy(base())).toEqual({ ok: true, policy: base() });
  });

  it("the demo policy is valid", () => {
    expect(validatePolicy(demoPolicy).ok).toBe(true);
  });

  it("every error of a document is reported at once", () => {
    const result = validatePolicy(
      broken((d) => {
        d.rules[0].action = "alow";
        d.rules[2].match.sql.statements = ["selct"];
        d.extra = true;
      }),
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors.map((e) => e.path).sort()).toEqual([
        "extra",
        "rules[0].action",
        "rules[2].match.sql.statements[0]",
      ]);
  });

  it("PolicyDocumentSchema parses the structure (validatePolicy adds cross-field checks)", () => {
    expect(PolicyDocumentSchema.safeParse(base()).success).toBe(true);
    expect(PolicyDocumentSchema.safeParse({ name: "x" }).success).toBe(false);
  });
});
