import { describe, expect, it } from "vitest";
import { approvableBy, policiesForSubject, type PolicyDocument } from "../src/index";

const policies: PolicyDocument[] = [
  {
    name: "prod-engineers",
    subjects: { groups: ["engineers"] },
    resources: { tags: { env: "prod" } },
    rules: [
      { id: "reads", match: { sql: { statements: ["select"] } }, action: "allow" },
      {
        id: "deletes-need-dba",
        match: { sql: { statements: ["delete"] } },
        action: "review",
        review: { approvers: ["dba"] },
      },
      {
        id: "ddl",
        match: { sql: { statements: ["ddl"] } },
        action: "review",
        review: { approvers: ["platform"], break_glass: ["sre"] },
      },
    ],
  },
  {
    name: "agents",
    subjects: { service_accounts: ["ci-bot"] },
    resources: { connections: ["pg-*"] },
    rules: [{ id: "reads", match: { sql: { statements: ["select"] } }, action: "allow" }],
  },
  {
    name: "bulk",
    subjects: { groups: ["engineers"] },
    resources: { connections: ["*"] },
    rules: [{ id: "deletes", match: { sql: { statements: ["delete"] } }, action: "allow" }],
    elevation: { role: "bulk-delete", approvers: ["dba"] },
  },
];

describe("subject view", () => {
  it("lists the policies whose subjects and resources include the subject", () => {
    const alice = { user: "alice", groups: ["engineers"], kind: "human" as const };
    expect(policiesForSubject(policies, alice).map((p) => p.name)).toEqual([
      "prod-engineers",
      "bulk",
    ]);
    const prod = { name: "pg-prod", tags: { env: "prod" } };
    const dev = { name: "pg-dev", tags: { env: "dev" } };
    expect(policiesForSubject(policies, alice, prod)).toEqual([
      { name: "prod-engineers" },
      { name: "bulk", elevationRole: "bulk-delete" },
    ]);
    expect(policiesForSubject(policies, alice, dev)).toEqual([
      { name: "bulk", elevationRole: "bulk-delete" },
    ]);
  });

  it("matches service accounts only by service_accounts or group, never by users", () => {
    const bot = { user: "ci-bot", groups: [], kind: "service_account" as const };
    expect(policiesForSubject(policies, bot).map((p) => p.name)).toEqual(["agents"]);
    const human = { user: "ci-bot", groups: [], kind: "human" as const };
    expect(policiesForSubject(policies, human)).toEqual([]);
  });

  it("names the review rules and elevation roles a group may approve, break glass included", () => {
    expect(approvableBy(policies, ["dba"])).toEqual([
      "prod-engineers/deletes-need-dba",
      "bulk (role bulk-delete)",
    ]);
    expect(approvableBy(policies, ["sre"])).toEqual(["prod-engineers/ddl"]);
    expect(approvableBy(policies, ["engineers"])).toEqual([]);
  });
});
