import { describe, expect, it } from "vitest";
import {
  elevationRoles,
  evaluate,
  type ConnectionRef,
  type Decision,
  type PolicyDocument,
  type PolicyElevation,
  type PolicyRule,
  type Subject,
} from "../src/index";
import { WEDNESDAY_MORNING, demoConnection, useParser } from "./helpers";

useParser();

const HOUR = 60 * 60 * 1000;

/** The ordinary policy: reads allowed, DDL reviewed, DELETE denied, on every connection. */
const engineers: PolicyDocument = {
  name: "engineers",
  subjects: { groups: ["engineers", "contractors"] },
  resources: { connections: ["*"] },
  rules: [
    { id: "no-delete", match: { sql: { statements: ["delete"] } }, action: "deny" },
    {
      id: "ddl-review",
      match: { sql: { statements: ["ddl"] } },
      action: "review",
      review: { approvers: ["dba"] },
    },
    { id: "reads", match: { sql: { statements: ["select"] } }, action: "allow" },
  ],
  mask: [{ columns: ["*.email"], strategy: "partial" }],
};

function elevationPolicy(
  name: string,
  rules: PolicyRule[],
  elevation: Partial<PolicyElevation> = {},
  extra: Partial<PolicyDocument> = {},
): PolicyDocument {
  return {
    name,
    elevation: { role: "dba-write", approvers: ["dba"], ...elevation },
    subjects: { groups: ["engineers"] },
    resources: { tags: { env: "demo" } },
    rules,
    ...extra,
  };
}

/** The elevation: writes and DDL allowed, but never on secret.* (even reads). */
const dbaWrite = elevationPolicy("dba-write-elevation", [
  { id: "no-secrets", match: { sql: { tables: ["secret.*"] } }, action: "deny" },
  {
    id: "writes",
    match: { sql: { statements: ["insert", "update", "delete", "ddl"] } },
    action: "allow",
  },
]);

const alice: Subject = { user: "alice", groups: ["engineers"] };
const elevated: Subject = { ...alice, elevations: ["dba-write"] };
const prod: ConnectionRef = { name: "prod-db", tags: { env: "prod" } };

function run(
  policies: PolicyDocument[],
  sql: string,
  subject: Subject = elevated,
  connection: ConnectionRef = demoConnection,
): Decision {
  return evaluate(policies, { subject, connection, sql }, WEDNESDAY_MORNING);
}

interface Case {
  name: string;
  policies?: PolicyDocument[];
  sql: string;
  subject?: Subject;
  connection?: ConnectionRef;
  action: Decision["action"];
  ruleIds: string[];
  reason?: string;
}

const DELETE = "DELETE FROM t WHERE id = 1";

const cases: Case[] = [
  {
    name: "without the role the elevation does not apply: the ordinary deny stands",
    sql: DELETE,
    subject: alice,
    action: "deny",
    ruleIds: ["engineers/no-delete"],
  },
  {
    name: "another role does not bring the elevation into force",
    sql: DELETE,
    subject: { ...alice, elevations: ["read-only"] },
    action: "deny",
    ruleIds: ["engineers/no-delete"],
  },
  {
    name: "the role without matching subjects does not apply it (contractors are not covered)",
    sql: DELETE,
    subject: { user: "carol", groups: ["contractors"], elevations: ["dba-write"] },
    action: "deny",
    ruleIds: ["engineers/no-delete"],
  },
  {
    name: "the role on a connection outside the elevation's resources does not apply it",
    sql: DELETE,
    connection: prod,
    action: "deny",
    ruleIds: ["engineers/no-delete"],
  },
  {
    name: "with the role the elevation lifts the ordinary deny, naming the elevation",
    sql: DELETE,
    action: "allow",
    ruleIds: ["dba-write-elevation/writes"],
    reason: 'rule "writes" of policy "dba-write-elevation" (elevation "dba-write") allows',
  },
  {
    name: "with the role the elevation lifts the ordinary review",
    sql: "ALTER TABLE t ADD COLUMN c int",
    action: "allow",
    ruleIds: ["dba-write-elevation/writes"],
  },
  {
    name: "a statement the elevation does not match is decided by the ordinary policies",
    sql: "SELECT * FROM t",
    action: "allow",
    ruleIds: ["engineers/reads"],
  },
  {
    name: "a statement neither matches is denied by default, naming every applicable policy",
    sql: "TRUNCATE t",
    action: "deny",
    ruleIds: [],
    reason: 'no rule of policies "engineers", "dba-write-elevation" matches this truncate',
  },
  {
    name: "the elevation's own deny wins over the ordinary allow",
    sql: "SELECT * FROM secret.keys",
    action: "deny",
    ruleIds: ["dba-write-elevation/no-secrets"],
  },
  {
    name: "per statement: one string can mix an ordinary and an elevation decision",
    sql: "SELECT * FROM t; DELETE FROM t WHERE id = 1",
    action: "allow",
    ruleIds: ["engineers/reads", "dba-write-elevation/writes"],
  },
  {
    name: "per statement: the elevation's deny of one statement denies the string",
    sql: "DELETE FROM t WHERE id = 1; SELECT * FROM secret.keys",
    action: "deny",
    ruleIds: ["dba-write-elevation/writes", "dba-write-elevation/no-secrets"],
  },
  {
    name: "among elevation policies the most restrictive outcome wins",
    policies: [
      engineers,
      dbaWrite,
      elevationPolicy("no-deletes", [
        { id: "d", match: { sql: { statements: ["delete"] } }, action: "deny" },
      ]),
    ],
    sql: DELETE,
    action: "deny",
    ruleIds: ["dba-write-elevation/writes", "no-deletes/d"],
  },
  {
    name: "when only elevation policies apply, they decide",
    policies: [dbaWrite],
    sql: DELETE,
    action: "allow",
    ruleIds: ["dba-write-elevation/writes"],
  },
  {
    name: "when only elevation policies apply, what they do not match is denied by default",
    policies: [dbaWrite],
    sql: "SELECT 1",
    action: "deny",
    ruleIds: [],
    reason: 'no rule of policy "dba-write-elevation" matches this select',
  },
  {
    name: "an elevation policy alone, without the role, gives no access at all",
    policies: [dbaWrite],
    sql: DELETE,
    subject: alice,
    action: "deny",
    ruleIds: [],
    reason: 'no policy gives "alice" (groups: engineers) access',
  },
  {
    name: "unparseable SQL stays denied under an elevation",
    sql: "DELET FROM t",
    action: "deny",
    ruleIds: [],
    reason: "could not be parsed",
  },
];

describe("elevation policies decide the statements they match", () => {
  it.each(cases)("$name", (c) => {
    const d = run(c.policies ?? [engineers, dbaWrite], c.sql, c.subject, c.connection);
    expect(d.action, JSON.stringify(d.reasons)).toBe(c.action);
    expect(d.matchedRuleIds).toEqual(c.ruleIds);
    if (c.reason !== undefined) expect(d.reasons.join("\n")).toContain(c.reason);
  });

  it("an elevation's review carries its own requirements, notify included", () => {
    const reviewed = elevationPolicy("reviewed-writes", [
      {
        id: "drops",
        match: { sql: { statements: ["drop"] } },
        action: "review",
        review: { approvers: ["sre"], min_approvals: 2, notify: ["slack-dba"] },
      },
    ]);
    const d = run([engineers, reviewed], "DROP TABLE t");
    expect(d.action).toBe("review");
    expect(d.review).toMatchObject({
      approvers: ["sre"],
      minApprovals: 2,
      notify: ["slack-dba"],
      ruleId: "reviewed-writes/drops",
    });
  });

  it("mask rules come from the policies that decided each statement", () => {
    const masked = elevationPolicy(
      "masked",
      [{ id: "all", match: {}, action: "allow" }],
      {},
      {
        mask: [{ detect: ["credit_card"], strategy: "redact" }],
      },
    );
    expect(run([engineers, masked], "SELECT * FROM t").mask).toEqual([
      { detect: ["credit_card"], strategy: "redact" },
    ]);
    expect(run([engineers, masked], "SELECT * FROM t", alice).mask).toEqual([
      { columns: ["*.email"], strategy: "partial" },
    ]);
  });

  it("ordinary policies are not consulted for a statement the elevation decides", () => {
    const timed: PolicyDocument = {
      ...engineers,
      rules: [
        {
          id: "office-hours",
          match: { time: { hours: { from: "09:00", to: "17:00" }, timezone: "UTC" } },
          action: "allow",
        },
      ],
    };
    const d = run([timed, dbaWrite], DELETE);
    expect(d.action).toBe("allow");
    expect(d.cacheable).toBe(true);
    expect(run([timed, dbaWrite], "SELECT 1").cacheable).toBe(false);
  });
});

describe("elevationRoles lists what a subject may request on a connection", () => {
  const second = elevationPolicy("dba-write-extra", [{ id: "w", match: {}, action: "allow" }], {
    approvers: ["sre", "dba"],
    min_approvals: 2,
    max_duration: "1h",
    timeout: "10m",
    break_glass: ["oncall"],
    notify: ["pager", "slack-dba"],
  });
  const own = elevationPolicy("ro", [{ id: "r", match: {}, action: "allow" }], {
    role: "audit-read",
    approvers: ["security"],
    notify: ["slack-sec"],
  });
  const elsewhere = elevationPolicy(
    "prod-only",
    [{ id: "p", match: {}, action: "allow" }],
    {
      role: "prod-write",
    },
    { resources: { tags: { env: "prod" } } },
  );
  const forOthers = elevationPolicy(
    "finance-only",
    [{ id: "f", match: {}, action: "allow" }],
    {
      role: "finance-write",
    },
    { subjects: { groups: ["finance"] } },
  );

  it("roles are aggregated per name: unions, the largest quorum, the shortest durations", () => {
    expect(
      elevationRoles(
        [engineers, second, own, dbaWrite, elsewhere, forOthers],
        alice,
        demoConnection,
      ),
    ).toEqual([
      {
        role: "audit-read",
        policies: ["ro"],
        approvers: ["security"],
        minApprovals: 1,
        maxDurationMs: 8 * HOUR,
        timeoutMs: HOUR / 2,
        breakGlass: [],
        notify: ["slack-sec"],
      },
      {
        role: "dba-write",
        policies: ["dba-write-elevation", "dba-write-extra"],
        approvers: ["dba", "sre"],
        minApprovals: 2,
        maxDurationMs: HOUR,
        timeoutMs: 10 * 60 * 1000,
        breakGlass: ["oncall"],
        notify: ["pager", "slack-dba"],
      },
    ]);
  });

  it("the subject's current elevations do not change what it may request", () => {
    const roles = (s: Subject) =>
      elevationRoles([dbaWrite, own], s, demoConnection).map((r) => r.role);
    expect(roles(elevated)).toEqual(roles(alice));
    expect(roles(alice)).toEqual(["audit-read", "dba-write"]);
  });

  it("a connection or subject no elevation covers has no roles", () => {
    expect(elevationRoles([dbaWrite, own], alice, prod)).toEqual([]);
    expect(
      elevationRoles([dbaWrite, own], { user: "bob", groups: ["finance"] }, demoConnection),
    ).toEqual([]);
    expect(elevationRoles([engineers], alice, demoConnection)).toEqual([]);
  });
});
