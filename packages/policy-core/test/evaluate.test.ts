import { describe, expect, it } from "vitest";
import {
  evaluate,
  inspectSql,
  type Decision,
  type PolicyDocument,
  type PolicyRule,
  type Subject,
} from "../src/index";
import { WEDNESDAY_MORNING, demoConnection, engineer, useParser } from "./helpers";

useParser();

/** A policy for engineers on env=demo with the given rules. */
function policy(rules: PolicyRule[], extra: Partial<PolicyDocument> = {}): PolicyDocument {
  return {
    name: "p",
    subjects: { groups: ["engineers"] },
    resources: { tags: { env: "demo" } },
    rules,
    ...extra,
  };
}

const allowAll: PolicyRule = { id: "all", match: {}, action: "allow" };
const allowSelect: PolicyRule = {
  id: "select",
  match: { sql: { statements: ["select"] } },
  action: "allow",
};

function run(
  policies: PolicyDocument[],
  sql: string,
  opts: {
    subject?: Subject;
    connection?: { name: string; tags: Record<string, string> };
    now?: Date;
    searchPath?: string[];
  } = {},
): Decision {
  return evaluate(
    policies,
    {
      subject: opts.subject ?? engineer,
      connection: opts.connection ?? demoConnection,
      sql,
      ...(opts.searchPath === undefined ? {} : { searchPath: opts.searchPath }),
    },
    opts.now ?? WEDNESDAY_MORNING,
  );
}

interface Case {
  name: string;
  policies: PolicyDocument[];
  sql: string;
  subject?: Subject;
  connection?: { name: string; tags: Record<string, string> };
  now?: Date;
  searchPath?: string[];
  action: Decision["action"];
  ruleIds?: string[];
  reason?: string | RegExp;
}

const bob: Subject = { user: "bob", groups: ["finance"] };
const robot: Subject = { user: "etl", groups: [], kind: "service_account" };
const prod = { name: "prod-db", tags: { env: "prod", team: "core" } };

const cases: Case[] = [
  // deny by default
  {
    name: "no policies at all: deny by default, naming the connection",
    policies: [],
    sql: "SELECT 1",
    action: "deny",
    reason: 'access to connection "demo-db"; denied by default',
  },
  {
    name: "a policy for another group does not apply: deny by default",
    policies: [policy([allowAll])],
    sql: "SELECT 1",
    subject: bob,
    action: "deny",
    reason: '"bob" (groups: finance)',
  },
  {
    name: "a policy for another connection does not apply: deny by default",
    policies: [policy([allowAll])],
    sql: "SELECT 1",
    connection: prod,
    action: "deny",
    reason: 'connection "prod-db"',
  },
  {
    name: "no rule matches: deny by default, naming the policy, the kind and the connection",
    policies: [policy([allowSelect])],
    sql: "DELETE FROM t WHERE id = 1",
    action: "deny",
    reason:
      'no rule of policy "p" matches this delete statement on connection "demo-db"; denied by default',
  },
  {
    name: "unparseable SQL is denied with the parser's message even under a catch-all allow",
    policies: [policy([allowAll])],
    sql: "SELEC 1",
    action: "deny",
    reason: 'could not be parsed, so it is denied (fail closed): syntax error at or near "SELEC"',
  },
  // subjects and resources
  {
    name: "a policy applies through a listed user",
    policies: [policy([allowAll], { subjects: { users: ["bob"] } })],
    sql: "SELECT 1",
    subject: bob,
    action: "allow",
  },
  {
    name: "a policy applies through a listed service account",
    policies: [policy([allowAll], { subjects: { service_accounts: ["etl"] } })],
    sql: "SELECT 1",
    subject: robot,
    action: "allow",
  },
  {
    name: "a service account does not match a human user of the same name",
    policies: [policy([allowAll], { subjects: { users: ["etl"] } })],
    sql: "SELECT 1",
    subject: robot,
    action: "deny",
  },
  {
    name: "a human does not match a service account of the same name",
    policies: [policy([allowAll], { subjects: { service_accounts: ["bob"] } })],
    sql: "SELECT 1",
    subject: bob,
    action: "deny",
  },
  {
    name: "a policy applies to a connection whose name matches a glob",
    policies: [policy([allowAll], { resources: { connections: ["prod-*"] } })],
    sql: "SELECT 1",
    connection: prod,
    action: "allow",
  },
  {
    name: "a connection glob does not match a different name",
    policies: [policy([allowAll], { resources: { connections: ["staging-*"] } })],
    sql: "SELECT 1",
    connection: prod,
    action: "deny",
  },
  {
    name: "resource tags must all be equal",
    policies: [policy([allowAll], { resources: { tags: { env: "prod", team: "web" } } })],
    sql: "SELECT 1",
    connection: prod,
    action: "deny",
  },
  {
    name: "resource tags that are all equal match",
    policies: [policy([allowAll], { resources: { tags: { env: "prod", team: "core" } } })],
    sql: "SELECT 1",
    connection: prod,
    action: "allow",
  },
  {
    name: "a connection matches by name glob or by tags",
    policies: [
      policy([allowAll], { resources: { connections: ["nope"], tags: { team: "core" } } }),
    ],
    sql: "SELECT 1",
    connection: prod,
    action: "allow",
  },
  // first match within a policy
  {
    name: "the first matching rule of a policy decides: a deny before an allow wins",
    policies: [
      policy([
        { id: "no-drop", match: { sql: { statements: ["drop"] } }, action: "deny" },
        allowAll,
      ]),
    ],
    sql: "DROP TABLE t",
    action: "deny",
    ruleIds: ["p/no-drop"],
  },
  {
    name: "the first matching rule of a policy decides: an allow before a deny wins",
    policies: [
      policy([
        allowAll,
        { id: "no-drop", match: { sql: { statements: ["drop"] } }, action: "deny" },
      ]),
    ],
    sql: "DROP TABLE t",
    action: "allow",
    ruleIds: ["p/all"],
  },
  {
    name: "a rule's message is the reason",
    policies: [policy([{ id: "r", match: {}, action: "deny", message: "not today" }])],
    sql: "SELECT 1",
    action: "deny",
    reason: "not today",
  },
  {
    name: "without a message the reason names the rule, the policy and the kind",
    policies: [policy([allowSelect])],
    sql: "SELECT 1",
    action: "allow",
    reason: 'rule "select" of policy "p" allows this select statement',
  },
  // most restrictive across policies and statements
  {
    name: "across policies the most restrictive outcome wins: allow and deny give deny",
    policies: [policy([allowAll]), policy([{ id: "d", match: {}, action: "deny" }], { name: "q" })],
    sql: "SELECT 1",
    action: "deny",
    ruleIds: ["p/all", "q/d"],
  },
  {
    name: "across policies allow and review give review",
    policies: [
      policy([allowAll]),
      policy([{ id: "r", match: {}, action: "review", review: { approvers: ["dba"] } }], {
        name: "q",
      }),
    ],
    sql: "SELECT 1",
    action: "review",
  },
  {
    name: "a policy whose rules do not match abstains: the other policy's allow stands",
    policies: [
      policy([allowAll]),
      policy([{ id: "d", match: { sql: { statements: ["drop"] } }, action: "deny" }], {
        name: "q",
      }),
    ],
    sql: "SELECT 1",
    action: "allow",
    ruleIds: ["p/all"],
  },
  {
    name: "across statements the most restrictive wins, and its reason names the statement",
    policies: [
      policy([
        allowSelect,
        {
          id: "ddl",
          match: { sql: { statements: ["ddl"] } },
          action: "review",
          review: { approvers: ["dba"] },
        },
      ]),
    ],
    sql: "SELECT 1; DROP TABLE t",
    action: "review",
    ruleIds: ["p/select", "p/ddl"],
    reason: /^statement 2 \(drop\): rule "ddl"/,
  },
  {
    name: "one statement no rule matches makes the whole string denied",
    policies: [policy([allowSelect])],
    sql: "SELECT 1; TRUNCATE t",
    action: "deny",
    reason: "statement 2 (truncate): no rule",
  },
  // allow rules cover every kind, deny rules any
  {
    name: "allow statements: [select] does not allow a SELECT whose CTE deletes",
    policies: [policy([allowSelect])],
    sql: "WITH d AS (DELETE FROM t WHERE id = 1 RETURNING *) SELECT * FROM d",
    action: "deny",
  },
  {
    name: "allow statements naming both kinds allows a SELECT whose CTE deletes",
    policies: [
      policy([{ id: "rw", match: { sql: { statements: ["select", "delete"] } }, action: "allow" }]),
    ],
    sql: "WITH d AS (DELETE FROM t WHERE id = 1 RETURNING *) SELECT * FROM d",
    action: "allow",
  },
  {
    name: "deny statements: [delete] matches a SELECT whose CTE deletes",
    policies: [
      policy([{ id: "nd", match: { sql: { statements: ["delete"] } }, action: "deny" }, allowAll]),
    ],
    sql: "WITH d AS (DELETE FROM t WHERE id = 1 RETURNING *) SELECT * FROM d",
    action: "deny",
    ruleIds: ["p/nd"],
  },
  {
    name: "the ddl umbrella covers drop for an allow",
    policies: [policy([{ id: "ddl", match: { sql: { statements: ["ddl"] } }, action: "allow" }])],
    sql: "DROP TABLE t",
    action: "allow",
  },
  {
    name: "EXPLAIN ANALYZE of a DELETE needs both kinds allowed",
    policies: [
      policy([{ id: "e", match: { sql: { statements: ["explain", "select"] } }, action: "allow" }]),
    ],
    sql: "EXPLAIN ANALYZE DELETE FROM t WHERE id = 1",
    action: "deny",
  },
  // tables
  {
    name: "allow tables: every relation must match a glob",
    policies: [policy([{ id: "pub", match: { sql: { tables: ["public.*"] } }, action: "allow" }])],
    sql: "SELECT * FROM public.a JOIN secret.b ON true",
    action: "deny",
  },
  {
    name: "allow tables: all relations matching is allowed",
    policies: [policy([{ id: "pub", match: { sql: { tables: ["public.*"] } }, action: "allow" }])],
    sql: "SELECT * FROM a JOIN public.b ON true",
    action: "allow",
  },
  {
    name: "allow tables does not match a statement that touches no table",
    policies: [policy([{ id: "pub", match: { sql: { tables: ["public.*"] } }, action: "allow" }])],
    sql: "SELECT 1",
    action: "deny",
  },
  {
    name: "deny tables: any relation matching a glob is enough",
    policies: [
      policy([{ id: "s", match: { sql: { tables: ["secret.*"] } }, action: "deny" }, allowAll]),
    ],
    sql: "SELECT * FROM public.a JOIN secret.b ON true",
    action: "deny",
    ruleIds: ["p/s"],
  },
  {
    name: "deny tables matches written relations too",
    policies: [
      policy([{ id: "s", match: { sql: { tables: ["audit.*"] } }, action: "deny" }, allowAll]),
    ],
    sql: "DELETE FROM audit.log WHERE id = 1",
    action: "deny",
  },
  {
    name: "a table glob without a dot matches the table in any schema",
    policies: [
      policy([{ id: "s", match: { sql: { tables: ["payroll"] } }, action: "deny" }, allowAll]),
    ],
    sql: "SELECT * FROM hr.payroll",
    action: "deny",
  },
  {
    name: "deny tables on a schema matches DROP SCHEMA of that schema",
    policies: [
      policy([
        { id: "s", match: { sql: { tables: ["billing.invoices"] } }, action: "deny" },
        allowAll,
      ]),
    ],
    sql: "DROP SCHEMA billing CASCADE",
    action: "deny",
  },
  {
    name: "deny table globs are case-insensitive",
    policies: [
      policy([{ id: "s", match: { sql: { tables: ["secret.*"] } }, action: "deny" }, allowAll]),
    ],
    sql: 'SELECT * FROM "SECRET".keys',
    action: "deny",
  },
  {
    name: "an unqualified name matches a deny on any schema of the search path",
    policies: [
      policy([{ id: "s", match: { sql: { tables: ["secret.*"] } }, action: "deny" }, allowAll]),
    ],
    sql: "SELECT * FROM keys",
    searchPath: ["app", "secret"],
    action: "deny",
  },
  // functions
  {
    name: "deny functions: an unqualified glob matches the function in any schema",
    policies: [
      policy([
        { id: "f", match: { sql: { functions: ["pg_read_file"] } }, action: "deny" },
        allowAll,
      ]),
    ],
    sql: "SELECT pg_catalog.pg_read_file('x')",
    action: "deny",
  },
  {
    name: "deny functions: a pg_catalog-qualified glob matches the unqualified call",
    policies: [
      policy([
        { id: "f", match: { sql: { functions: ["pg_catalog.pg_read_file"] } }, action: "deny" },
        allowAll,
      ]),
    ],
    sql: "SELECT pg_read_file('x')",
    action: "deny",
  },
  {
    name: "deny functions: a glob with * matches a family",
    policies: [
      policy([{ id: "f", match: { sql: { functions: ["dblink*"] } }, action: "deny" }, allowAll]),
    ],
    sql: "SELECT dblink_connect('x')",
    action: "deny",
  },
  {
    name: "allow functions: every function called must match",
    policies: [
      policy([{ id: "f", match: { sql: { functions: ["lower", "upper"] } }, action: "allow" }]),
    ],
    sql: "SELECT lower(a), md5(b) FROM t",
    action: "deny",
  },
  {
    name: "allow functions: all functions matching is allowed",
    policies: [
      policy([{ id: "f", match: { sql: { functions: ["lower", "upper"] } }, action: "allow" }]),
    ],
    sql: "SELECT lower(a), upper(b) FROM t",
    action: "allow",
  },
  {
    name: "allow functions: a qualified glob allows an unqualified call only on the search path",
    policies: [policy([{ id: "f", match: { sql: { functions: ["app.f"] } }, action: "allow" }])],
    sql: "SELECT f()",
    searchPath: ["public"],
    action: "deny",
  },
  {
    name: "allow functions: a qualified glob allows an unqualified call when its schema is on the path",
    policies: [policy([{ id: "f", match: { sql: { functions: ["app.f"] } }, action: "allow" }])],
    sql: "SELECT f()",
    searchPath: ["app"],
    action: "allow",
  },
  // other sql conditions
  {
    name: "without_where: false matches only statements that have a WHERE",
    policies: [
      policy([
        {
          id: "w",
          match: { sql: { statements: ["update"], without_where: false } },
          action: "allow",
        },
      ]),
    ],
    sql: "UPDATE t SET a = 1",
    action: "deny",
  },
  {
    name: "copy_program: false allows COPY to stdout",
    policies: [
      policy([
        { id: "c", match: { sql: { statements: ["copy"], copy_program: false } }, action: "allow" },
      ]),
    ],
    sql: "COPY t TO STDOUT",
    action: "allow",
  },
  {
    name: "copy_program: false does not allow COPY TO PROGRAM",
    policies: [
      policy([
        { id: "c", match: { sql: { statements: ["copy"], copy_program: false } }, action: "allow" },
      ]),
    ],
    sql: "COPY t TO PROGRAM 'gzip > /tmp/x'",
    action: "deny",
  },
  {
    name: "a regex is tested on the normalised text: literals are not visible to it",
    policies: [
      policy([{ id: "re", match: { sql: { regex: "secret" } }, action: "deny" }, allowAll]),
    ],
    sql: "SELECT 'secret'",
    action: "allow",
  },
  {
    name: "a regex is case-insensitive and sees identifiers",
    policies: [
      policy([{ id: "re", match: { sql: { regex: "\\bpg_sleep\\b" } }, action: "deny" }, allowAll]),
    ],
    sql: "SELECT PG_SLEEP(10)",
    action: "deny",
  },
  {
    name: "a regex tests each statement separately",
    policies: [policy([{ id: "re", match: { sql: { regex: "^select" } }, action: "allow" }])],
    sql: "SELECT 1; DELETE FROM t WHERE id = 1",
    action: "deny",
  },
  // rule-level subjects and tags
  {
    name: "a rule's subjects restrict it to the listed groups",
    policies: [
      policy([{ id: "leads", match: { subjects: { groups: ["leads"] } }, action: "allow" }]),
    ],
    sql: "SELECT 1",
    action: "deny",
  },
  {
    name: "a rule's subjects match a listed user",
    policies: [policy([{ id: "me", match: { subjects: { users: ["alice"] } }, action: "allow" }])],
    sql: "SELECT 1",
    action: "allow",
  },
  {
    name: "a rule's tags must all equal the connection's",
    policies: [policy([{ id: "t", match: { tags: { tier: "gold" } }, action: "allow" }])],
    sql: "SELECT 1",
    action: "deny",
  },
  // opaque
  {
    name: "an opaque DO is not allowed by a rule that does not name its kind",
    policies: [policy([allowAll])],
    sql: "DO $$ BEGIN END $$",
    action: "deny",
    reason: "DO blocks are opaque to policy; allow them explicitly with statements: [do]",
  },
  {
    name: "an opaque DO is allowed by a rule that names do",
    policies: [policy([{ id: "do", match: { sql: { statements: ["do"] } }, action: "allow" }])],
    sql: "DO $$ BEGIN END $$",
    action: "allow",
  },
  {
    name: "a deny rule without statements still matches an opaque statement",
    policies: [
      policy([
        { id: "nf", match: { sql: { functions: ["query_to_xml"] } }, action: "deny" },
        allowSelect,
      ]),
    ],
    sql: "SELECT query_to_xml('select 1', true, true, '')",
    action: "deny",
    ruleIds: ["p/nf"],
  },
  {
    name: "an unresolved EXECUTE is denied with a reason that says how to allow it",
    policies: [policy([allowAll])],
    sql: "EXECUTE p",
    action: "deny",
    reason: "statements: [execute]",
  },
  // empty
  {
    name: "an empty query is allowed when a policy applies",
    policies: [policy([allowSelect])],
    sql: "",
    action: "allow",
    reason: "empty query",
  },
  {
    name: "an empty query is denied when no policy applies",
    policies: [],
    sql: ";",
    action: "deny",
  },
];

describe("evaluation semantics", () => {
  it.each(cases)("$name", (c) => {
    const d = run(c.policies, c.sql, c);
    expect(d.action, d.reasons.join(" | ")).toBe(c.action);
    if (c.ruleIds !== undefined) expect(d.matchedRuleIds).toEqual(c.ruleIds);
    if (typeof c.reason === "string") expect(d.reasons.join(" | ")).toContain(c.reason);
    if (c.reason instanceof RegExp)
      expect(d.reasons.some((r) => c.reason instanceof RegExp && c.reason.test(r))).toBe(true);
  });
});

describe("time windows", () => {
  const businessHours = (
    timezone: string,
    days?: ("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun")[],
  ) =>
    policy([
      {
        id: "hours",
        match: {
          time: { hours: { from: "09:00", to: "17:00" }, timezone, ...(days ? { days } : {}) },
        },
        action: "allow",
      },
    ]);
  const at = (iso: string) => new Date(iso);
  const windowCases = [
    {
      name: "inside business hours in UTC is allowed",
      p: businessHours("UTC"),
      now: "2025-06-11T10:30:00Z",
      action: "allow",
    },
    {
      name: "after business hours falls through to deny by default",
      p: businessHours("UTC"),
      now: "2025-06-11T17:00:00Z",
      action: "deny",
    },
    {
      name: "the window start is inclusive",
      p: businessHours("UTC"),
      now: "2025-06-11T09:00:00Z",
      action: "allow",
    },
    {
      name: "07:30 UTC is 09:30 in Paris in summer: inside the Paris window",
      p: businessHours("Europe/Paris"),
      now: "2025-06-11T07:30:00Z",
      action: "allow",
    },
    {
      name: "16:30 UTC is 18:30 in Paris in summer: outside the Paris window",
      p: businessHours("Europe/Paris"),
      now: "2025-06-11T16:30:00Z",
      action: "deny",
    },
    {
      name: "08:30 UTC is 09:30 in Paris in winter (UTC+1)",
      p: businessHours("Europe/Paris"),
      now: "2025-01-15T08:30:00Z",
      action: "allow",
    },
    {
      name: "a Friday-evening instant in New York is Saturday in Tokyo: days are local",
      p: policy([
        { id: "sat", match: { time: { days: ["sat"], timezone: "Asia/Tokyo" } }, action: "allow" },
      ]),
      now: "2025-06-13T23:30:00-04:00",
      action: "allow",
    },
    {
      name: "the same instant is not Saturday in New York",
      p: policy([
        {
          id: "sat",
          match: { time: { days: ["sat"], timezone: "America/New_York" } },
          action: "allow",
        },
      ]),
      now: "2025-06-13T23:30:00-04:00",
      action: "deny",
    },
    {
      name: "weekdays only: Sunday is denied",
      p: businessHours("UTC", ["mon", "tue", "wed", "thu", "fri"]),
      now: "2025-06-15T10:00:00Z",
      action: "deny",
    },
    {
      name: "a window from 22:00 to 06:00 wraps past midnight (02:00 inside)",
      p: policy([
        {
          id: "night",
          match: { time: { hours: { from: "22:00", to: "06:00" }, timezone: "UTC" } },
          action: "allow",
        },
      ]),
      now: "2025-06-11T02:00:00Z",
      action: "allow",
    },
    {
      name: "a window from 22:00 to 06:00 excludes noon",
      p: policy([
        {
          id: "night",
          match: { time: { hours: { from: "22:00", to: "06:00" }, timezone: "UTC" } },
          action: "allow",
        },
      ]),
      now: "2025-06-11T12:00:00Z",
      action: "deny",
    },
  ] as const;
  it.each(windowCases)("$name", ({ p, now, action }) => {
    expect(run([p], "SELECT 1", { now: at(now) }).action).toBe(action);
  });

  it("a decision that consulted a time window is not cacheable; one that did not is", () => {
    expect(run([businessHours("UTC")], "SELECT 1").cacheable).toBe(false);
    expect(run([policy([allowSelect, ...businessHours("UTC").rules])], "SELECT 1").cacheable).toBe(
      true,
    );
  });

  it("an invalid time zone in an unvalidated policy denies (fail closed) instead of throwing", () => {
    const bad = policy([
      { id: "bad", match: { time: { days: ["mon"], timezone: "Mars/Olympus" } }, action: "allow" },
    ]);
    const d = run([bad], "SELECT 1");
    expect(d.action).toBe("deny");
    expect(d.reasons[0]).toContain("policy evaluation failed");
  });
});

describe("review and mask", () => {
  it("a review decision carries the rule's requirements", () => {
    const p = policy([
      {
        id: "ddl",
        match: { sql: { statements: ["ddl"] } },
        action: "review",
        review: {
          approvers: ["dba", "sre"],
          min_approvals: 2,
          timeout: "1h30m",
          break_glass: ["oncall"],
          require_justification: true,
          notify: ["slack-dba", "pager"],
        },
      },
    ]);
    expect(run([p], "ALTER TABLE t ADD COLUMN c int").review).toEqual({
      approvers: ["dba", "sre"],
      minApprovals: 2,
      timeoutMs: 90 * 60 * 1000,
      breakGlass: ["oncall"],
      requireJustification: true,
      notify: ["slack-dba", "pager"],
      ruleId: "p/ddl",
    });
  });

  it("review defaults: one approval, 30 minutes, no break glass, no justification, no notify", () => {
    const p = policy([{ id: "r", match: {}, action: "review", review: { approvers: ["dba"] } }]);
    expect(run([p], "SELECT 1").review).toMatchObject({
      minApprovals: 1,
      timeoutMs: 30 * 60 * 1000,
      breakGlass: [],
      requireJustification: false,
      notify: [],
    });
  });

  it("mask rules of every applicable policy that allowed are returned, each once", () => {
    const a = policy([allowAll], { mask: [{ columns: ["*.email"], strategy: "partial" }] });
    const b = policy([allowSelect], {
      name: "b",
      mask: [
        { detect: ["credit_card"], strategy: "redact" },
        { columns: ["*.email"], strategy: "partial" },
      ],
    });
    expect(run([a, b], "SELECT * FROM customers").mask).toEqual([
      { columns: ["*.email"], strategy: "partial" },
      { detect: ["credit_card"], strategy: "redact" },
    ]);
  });

  it("mask rules of a policy that did not allow are not returned", () => {
    const a = policy([allowAll], { mask: [{ columns: ["*.email"], strategy: "partial" }] });
    const b = policy([{ id: "d", match: { sql: { statements: ["drop"] } }, action: "deny" }], {
      name: "b",
      mask: [{ columns: ["*.ssn"], strategy: "redact" }],
    });
    expect(run([a, b], "SELECT 1").mask).toEqual([{ columns: ["*.email"], strategy: "partial" }]);
  });

  it("no mask rules are returned with a deny", () => {
    const a = policy([{ id: "d", match: {}, action: "deny" }], {
      mask: [{ columns: ["*.email"], strategy: "partial" }],
    });
    expect(run([a], "SELECT 1").mask).toEqual([]);
  });

  it("precomputed facts are used as given (the SQL text is not parsed again)", () => {
    const facts = inspectSql("DROP TABLE t");
    const d = evaluate(
      [policy([allowSelect])],
      { subject: engineer, connection: demoConnection, sql: "SELECT 1", facts },
      WEDNESDAY_MORNING,
    );
    expect(d.action).toBe("deny");
    expect(d.facts).toBe(facts);
  });
});
