import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateWithoutPolicies, validatePolicy } from "../src/index";
import { demoPolicy } from "./fixtures/demo-policy";
import { decide, demoConnection, useParser } from "./helpers";

useParser();

const yaml = readFileSync(join(__dirname, "../../../deploy/demo/policy.yaml"), "utf8");

describe("the demo policy (deploy/demo/policy.yaml)", () => {
  it("its JSON twin is valid", () => {
    const result = validatePolicy(demoPolicy);
    expect(result.ok, JSON.stringify(result)).toBe(true);
  });

  it("the YAML and its JSON twin list the same rules in the same order", () => {
    const idsInYaml = [...yaml.matchAll(/^\s+- id: (\S+)$/gm)].map((m) => m[1]);
    expect(idsInYaml).toEqual(demoPolicy.rules.map((r) => r.id));
  });

  it("the YAML and its JSON twin name the same functions, kinds and mask columns", () => {
    for (const rule of demoPolicy.rules) {
      for (const fn of rule.match.sql?.functions ?? []) expect(yaml).toContain(fn);
      for (const kind of rule.match.sql?.statements ?? [])
        expect(yaml).toMatch(new RegExp(`\\b${kind}\\b`));
    }
    for (const m of demoPolicy.mask ?? [])
      for (const c of m.columns ?? []) expect(yaml).toContain(`"${c}"`);
    expect(yaml).toContain(`name: ${demoPolicy.name}`);
  });

  const cases = [
    { name: "engineers may read", sql: "SELECT * FROM customers WHERE id = 1", action: "allow" },
    {
      name: "engineers may SHOW, SET and use transactions",
      sql: "BEGIN; SET statement_timeout = '5s'; SHOW work_mem; COMMIT",
      action: "allow",
    },
    {
      name: "engineers may write with a WHERE",
      sql: "UPDATE customers SET email = 'x@y.z' WHERE id = 1",
      action: "allow",
    },
    {
      name: "engineers may insert",
      sql: "INSERT INTO notes (body) VALUES ('hi')",
      action: "allow",
    },
    {
      name: "UPDATE without WHERE is denied with the rule's message",
      sql: "UPDATE customers SET email = NULL",
      action: "deny",
    },
    {
      name: "DDL needs a DBA's approval",
      sql: "CREATE INDEX ON customers (email)",
      action: "review",
    },
    {
      name: "a DELETE with a WHERE needs a DBA's approval",
      sql: "DELETE FROM orders WHERE id = 7",
      action: "review",
    },
    {
      name: "dropping a demo table is denied, not sent to review",
      sql: "DROP TABLE customers",
      action: "deny",
    },
    {
      name: "dropping an index is DDL: it needs a DBA's approval",
      sql: "DROP INDEX orders_status_idx",
      action: "review",
    },
    { name: "TRUNCATE of a demo table is denied", sql: "TRUNCATE customers", action: "deny" },
    {
      name: "TRUNCATE of another table is denied by default",
      sql: "TRUNCATE notes",
      action: "deny",
    },
  ] as const;
  it.each(cases)("$name", ({ sql, action }) => {
    expect(decide(sql).action).toBe(action);
  });

  it("the user admin is covered through subjects.users", () => {
    expect(decide("SELECT 1", { subject: { user: "admin", groups: [] } }).action).toBe("allow");
  });

  it("someone outside engineers is denied by default", () => {
    const d = decide("SELECT 1", { subject: { user: "mallory", groups: ["sales"] } });
    expect(d.action).toBe("deny");
    expect(d.reasons[0]).toContain('connection "demo-db"');
  });

  it("a connection not tagged env=demo is not covered", () => {
    expect(decide("SELECT 1", { connection: { name: "prod", tags: { env: "prod" } } }).action).toBe(
      "deny",
    );
  });

  it("DDL review goes to the dba group with a 30 minute timeout", () => {
    expect(decide("DROP TABLE notes").review).toEqual({
      approvers: ["dba"],
      minApprovals: 1,
      timeoutMs: 30 * 60 * 1000,
      breakGlass: [],
      requireJustification: false,
      notify: [],
      ruleId: "demo-engineers/ddl-needs-dba",
    });
  });

  it("allowed reads carry the mask rules: *.email partial, customers.card_number redacted", () => {
    expect(decide("SELECT * FROM customers").mask).toEqual([
      { columns: ["*.email"], strategy: "partial" },
      { columns: ["customers.card_number"], strategy: "redact" },
    ]);
  });

  it("a denied UPDATE says why in the rule's words", () => {
    expect(decide("UPDATE customers SET email = NULL").reasons).toEqual([
      "UPDATE/DELETE without a WHERE clause is blocked; add a WHERE that names the rows",
    ]);
  });
});

describe("the pre-policy gateway entry point", () => {
  it("evaluateWithoutPolicies still allows and says no engine is configured", () => {
    const d = evaluateWithoutPolicies(
      {
        protocol: "postgres",
        command: "SELECT 1",
        connection: demoConnection,
        subject: { userId: "u", groups: [] },
      },
      new Date(0),
    );
    expect(d).toMatchObject({
      action: "allow",
      matchedRuleIds: [],
      reasons: ["no policy engine configured"],
      mask: [],
    });
  });
});
