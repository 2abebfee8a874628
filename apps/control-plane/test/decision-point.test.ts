// The gateway's decision point with the demo policy (deploy/demo/policy.yaml) and
// policy-core's real evaluate: what it refuses and with which message, what it caches,
// how it judges EXECUTE of a SQL-prepared statement, and what it refuses before asking
// policy (fastpath calls, text the server could read differently).
import { readFileSync } from "node:fs";
import path from "node:path";
import { evaluate, loadSqlParser, type PolicyDocument, validatePolicy } from "@airlock/policy-core";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  type CommandToDecide,
  DecisionPoint,
  type PolicySource,
  type SessionFacts,
  type SqlContext,
} from "../src/gateway/decision";
import { refusalFields } from "../src/gateway/refusal";

const demo = (() => {
  const text = readFileSync(path.join(__dirname, "../../../deploy/demo/policy.yaml"), "utf8");
  const result = validatePolicy(parse(text));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.policy;
})();

const secretTables: PolicyDocument = {
  name: "no-secrets",
  subjects: { users: ["admin"] },
  resources: { tags: { env: "demo" } },
  rules: [
    {
      id: "no-secret-tables",
      match: { sql: { tables: ["secret.*"] } },
      action: "deny",
      message: "the secret schema is off limits",
    },
  ],
};

/** The policies in force, as PolicyDecisions holds them; `version` moves on every change. */
class Policies implements PolicySource {
  version = 1;
  constructor(public policies: PolicyDocument[]) {}
  current() {
    return {
      version: this.version,
      policies: this.policies,
      names: this.policies.map((p) => p.name),
    };
  }
  evaluate: PolicySource["evaluate"] = (request, now = new Date()) =>
    evaluate(this.policies, request, now);
}

const admin: SessionFacts = {
  userId: "u1",
  subject: { user: "admin", groups: [], kind: "human" },
  connection: { name: "demo", tags: { env: "demo" } },
  connectionId: "c1",
  justification: null,
  reviewId: null,
};

function context(overrides: Partial<SqlContext> = {}, prepared: Record<string, string> = {}) {
  return {
    searchPath: ["public"],
    resetSearchPath: ["$user", "public"],
    standardConformingStrings: true,
    clientEncoding: "UTF8",
    hasPrepared: Object.keys(prepared).length > 0,
    preparedText: (name: string) => prepared[name],
    ...overrides,
  } satisfies SqlContext;
}

const simple = (sql: string): CommandToDecide => ({ kind: "simple", sql });

beforeAll(async () => {
  await loadSqlParser();
});

describe("refusals name the rule and say what to do", () => {
  const point = new DecisionPoint(new Policies([demo]));

  it("deny: the rule's message with its id, and a hint", () => {
    const d = point.decide(simple("DELETE FROM customers"), admin, context());
    expect(d).toMatchObject({
      action: "deny",
      decision: "deny",
      decisiveRuleIds: ["demo-engineers/block-unbounded-writes"],
    });
    expect(d.ruleIds).toContain("demo-engineers/block-unbounded-writes");
    expect(refusalFields(d, admin)).toEqual({
      message:
        "Airlock policy denied this command (rule demo-engineers/block-unbounded-writes): " +
        "UPDATE/DELETE without a WHERE clause is blocked; add a WHERE that names the rows",
      hint: expect.stringContaining("airlock policy test --as admin --connection demo"),
    });
  });

  it("review: held for approval, naming the rule and what the approval needs", () => {
    const d = point.decide(simple("DROP INDEX orders_status_idx"), admin, context());
    expect(d).toMatchObject({
      action: "review",
      decision: "review",
      decisiveRuleIds: ["demo-engineers/ddl-needs-dba"],
      review: { approvers: ["dba"], minApprovals: 1, ruleId: "demo-engineers/ddl-needs-dba" },
    });
  });

  it("a review that cannot be held (part of a batch) is refused, saying so", () => {
    const d = point.decide(simple("DROP INDEX orders_status_idx"), admin, context());
    const { message, hint } = refusalFields(d, admin);
    expect(message).toMatch(
      /^Airlock policy requires approval from dba for this command \(rule demo-engineers\/ddl-needs-dba\)/,
    );
    expect(message).toMatch(/it was not run$/);
    expect(hint).toContain("Send it on its own");
  });

  it("the decisive rule of a multi-statement string, not the allow rules that matched too", () => {
    const d = point.decide(simple("SELECT 1; DELETE FROM orders"), admin, context());
    expect(d.ruleIds).toEqual(["demo-engineers/reads", "demo-engineers/block-unbounded-writes"]);
    expect(d.decisiveRuleIds).toEqual(["demo-engineers/block-unbounded-writes"]);
  });

  it("deny by default names no rule", () => {
    const other = { ...admin, subject: { user: "mallory", groups: [] } };
    const d = point.decide(simple("SELECT 1"), other, context());
    expect(d.decisiveRuleIds).toEqual([]);
    expect(refusalFields(d, other).message).toMatch(
      /^Airlock policy denied this command: no policy gives "mallory" access to connection "demo"/,
    );
  });

  it("allows a bounded write and a read", () => {
    expect(
      point.decide(simple("UPDATE orders SET status = 'x' WHERE id = 1"), admin, context()).action,
    ).toBe("allow");
    expect(point.decide(simple("select * from customers"), admin, context()).action).toBe("allow");
  });
});

describe("the decision cache", () => {
  it("decides once per statement shape, and starts over when the policies change", () => {
    const policies = new Policies([demo]);
    const point = new DecisionPoint(policies);
    point.decide(simple("SELECT * FROM customers WHERE id = 1"), admin, context());
    point.decide(simple("SELECT * FROM customers WHERE id = 2"), admin, context());
    expect(point.cacheStats).toMatchObject({ hits: 1, misses: 1, size: 1 });
    // Another search path is another key.
    point.decide(
      simple("SELECT * FROM customers WHERE id = 3"),
      admin,
      context({ searchPath: ["x"] }),
    );
    expect(point.cacheStats).toMatchObject({ hits: 1, misses: 2 });

    policies.policies = [demo, secretTables];
    policies.version = 2;
    const d = point.decide(
      simple("SELECT * FROM customers WHERE id = 4"),
      admin,
      context({ searchPath: ["secret"] }),
    );
    expect(d.decision).toBe("deny");
    expect(point.cacheStats).toMatchObject({ misses: 3, size: 1 });
  });

  it("a cached PREPARE still carries its text for the session", () => {
    const point = new DecisionPoint(new Policies([demo]));
    point.decide(simple("PREPARE p AS SELECT 1"), admin, context());
    const again = point.decide(simple("PREPARE p AS SELECT 1"), admin, context());
    expect(point.cacheStats.hits).toBe(1);
    expect(again.statements[0]?.text).toBe("PREPARE p AS SELECT 1");
  });
});

describe("search path and SQL-level prepared statements", () => {
  const point = new DecisionPoint(new Policies([demo, secretTables]));

  it("an unqualified name is judged in every candidate schema", () => {
    expect(point.decide(simple("SELECT * FROM t"), admin, context()).action).toBe("allow");
    const d = point.decide(
      simple("SELECT * FROM t"),
      admin,
      context({ searchPath: ["public", "secret"] }),
    );
    expect(d.decisiveRuleIds).toEqual(["no-secrets/no-secret-tables"]);
  });

  it("EXECUTE is judged as the statement the session prepared", () => {
    const prepared = { p: "PREPARE p AS DELETE FROM customers" };
    const d = point.decide(simple("EXECUTE p"), admin, context({}, prepared));
    expect(d.decisiveRuleIds).toEqual(["demo-engineers/block-unbounded-writes"]);
  });

  it("… with the search path in force when it runs (Postgres re-analyses it)", () => {
    const prepared = { q: "PREPARE q AS SELECT * FROM t" };
    expect(point.decide(simple("EXECUTE q"), admin, context({}, prepared)).action).toBe("allow");
    const d = point.decide(
      simple("EXECUTE q"),
      admin,
      context({ searchPath: ["secret"] }, prepared),
    );
    expect(d.decisiveRuleIds).toEqual(["no-secrets/no-secret-tables"]);
  });

  it("a RESET followed by more statements, when the session started with another path", () => {
    const started = { searchPath: ["secret"], resetSearchPath: ["secret"] };
    for (const sql of [
      "RESET search_path; SELECT * FROM t",
      "SET search_path TO DEFAULT; SELECT * FROM t",
      "RESET ALL; SELECT 1",
    ]) {
      const d = point.decide(simple(sql), admin, context(started));
      expect(d.reasons[0], sql).toMatch(/resets search_path and then runs more statements/);
    }
    // Alone, or on a session that started with the default, it is judged as usual.
    expect(point.decide(simple("RESET search_path"), admin, context(started)).action).toBe("allow");
    expect(
      point.decide(simple("RESET search_path; SELECT * FROM t"), admin, context()).action,
    ).toBe("allow");
  });

  it("an EXECUTE of a name the session never prepared is opaque, so denied", () => {
    const d = point.decide(
      simple("EXECUTE nobody_knows"),
      admin,
      context({}, { p: "PREPARE p AS SELECT 1" }),
    );
    expect(d.action).toBe("deny");
    expect(d.reasons.join(" ")).toMatch(/prepared statement policy has not seen/);
  });
});

describe("refused before policy is asked", () => {
  const point = new DecisionPoint(new Policies([demo]));

  it("a fastpath FunctionCall", () => {
    const d = point.decide({ kind: "function_call", sql: "fastpath function 1" }, admin, context());
    expect(d.reasons[0]).toMatch(/fastpath function-call protocol/);
  });

  it("non-ASCII text under another client_encoding", () => {
    const d = point.decide(simple("SELECT 'é'"), admin, context({ clientEncoding: "LATIN1" }));
    expect(d.reasons[0]).toMatch(/client_encoding is LATIN1/);
    expect(
      point.decide(simple("SELECT 'e'"), admin, context({ clientEncoding: "LATIN1" })).action,
    ).toBe("allow");
  });

  it("bytes that are not UTF-8 while client_encoding may be changing", () => {
    const d = point.decide(
      simple("SELECT '\uFFFD\\'"),
      admin,
      context({ clientEncoding: undefined }),
    );
    expect(d.reasons[0]).toMatch(/may change client_encoding/);
  });

  it("a backslash while standard_conforming_strings may be changing", () => {
    const sql = "SELECT 'x\\' || '; DROP TABLE customers; --'";
    const d = point.decide(simple(sql), admin, context({ standardConformingStrings: undefined }));
    expect(d.reasons[0]).toMatch(/standard_conforming_strings/);
  });

  it("any backslash when standard_conforming_strings is off (policy-core refuses it)", () => {
    const sql = "SELECT 'x\\' || '; DROP TABLE customers; --'";
    expect(
      point.decide(simple(sql), admin, context({ standardConformingStrings: false })).action,
    ).toBe("deny");
  });
});
