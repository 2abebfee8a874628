import { describe, expect, it } from "vitest";
import {
  DecisionCache,
  inspectSql,
  policySetVersion,
  type EvaluationRequest,
  type PolicyDocument,
  type SqlFacts,
} from "../src/index";
import { demoPolicy } from "./fixtures/demo-policy";
import { WEDNESDAY_MORNING, demoConnection, engineer, useParser } from "./helpers";

useParser();

const version = policySetVersion([demoPolicy]);
const request = (sql: string, extra: Partial<EvaluationRequest> = {}): EvaluationRequest => ({
  subject: engineer,
  connection: demoConnection,
  sql,
  ...extra,
});
const key = (sql: string, extra: Partial<EvaluationRequest> = {}) =>
  DecisionCache.keyFor(request(sql, extra), version);
/** Facts without statement texts (the one thing literal variants may differ in). */
const policyFacts = (facts: SqlFacts) =>
  facts.statements.map(({ text: _text, prepared, ...rest }) => ({
    ...rest,
    prepared: prepared?.name,
  }));

// Pairs that differ only in literal values: they must share a cache entry AND have equal facts.
const sameShape: { name: string; a: string; b: string }[] = [
  {
    name: "numbers in WHERE",
    a: "SELECT * FROM t WHERE id = 1",
    b: "SELECT * FROM t WHERE id = 2",
  },
  {
    name: "strings in WHERE",
    a: "SELECT * FROM t WHERE name = 'alice'",
    b: "SELECT * FROM t WHERE name = 'bob'",
  },
  {
    name: "IN lists of equal length",
    a: "SELECT * FROM t WHERE id IN (1, 2, 3)",
    b: "SELECT * FROM t WHERE id IN (4, 5, 6)",
  },
  {
    name: "INSERT values",
    a: "INSERT INTO t (a, b) VALUES (1, 'x')",
    b: "INSERT INTO t (a, b) VALUES (2, 'y')",
  },
  {
    name: "UPDATE with WHERE",
    a: "UPDATE t SET a = 1 WHERE id = 5",
    b: "UPDATE t SET a = 9 WHERE id = 6",
  },
  {
    name: "a constant-only WHERE (still without where)",
    a: "DELETE FROM t WHERE true",
    b: "DELETE FROM t WHERE false",
  },
  {
    name: "LIMIT and OFFSET",
    a: "SELECT * FROM t LIMIT 10 OFFSET 0",
    b: "SELECT * FROM t LIMIT 20 OFFSET 40",
  },
  {
    name: "function arguments",
    a: "SELECT pg_read_file('/etc/passwd')",
    b: "SELECT pg_read_file('/tmp/x')",
  },
  {
    name: "DO bodies (opaque either way)",
    a: "DO $$ BEGIN PERFORM 1; END $$",
    b: "DO $$ BEGIN DROP TABLE t; END $$",
  },
  {
    name: "multi-statement strings",
    a: "SELECT 1; DELETE FROM t WHERE id = 1",
    b: "SELECT 2; DELETE FROM t WHERE id = 2",
  },
  {
    name: "CTE literals",
    a: "WITH d AS (DELETE FROM t WHERE id = 1 RETURNING *) SELECT * FROM d",
    b: "WITH d AS (DELETE FROM t WHERE id = 2 RETURNING *) SELECT * FROM d",
  },
  {
    name: "EXPLAIN ANALYZE literals",
    a: "EXPLAIN ANALYZE SELECT * FROM t WHERE a = 1",
    b: "EXPLAIN ANALYZE SELECT * FROM t WHERE a = 2",
  },
  {
    name: "CREATE FUNCTION bodies (opaque either way)",
    a: "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    b: "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'DELETE FROM t RETURNING 1'",
  },
];

// Pairs with different facts: they must NOT share a cache entry.
const differentShape: { name: string; a: string; b: string }[] = [
  { name: "different tables", a: "SELECT * FROM orders", b: "SELECT * FROM customers" },
  {
    name: "different schemas of the same table",
    a: "SELECT * FROM public.keys",
    b: "SELECT * FROM secret.keys",
  },
  {
    name: "qualified and unqualified names",
    a: "SELECT * FROM keys",
    b: "SELECT * FROM secret.keys",
  },
  { name: "different functions", a: "SELECT lower('x')", b: "SELECT pg_read_file('x')" },
  { name: "a function qualified and not", a: "SELECT f()", b: "SELECT evil.f()" },
  {
    name: "WHERE true and no WHERE at all",
    a: "UPDATE t SET a = 1",
    b: "UPDATE t SET a = 1 WHERE id = 1",
  },
  {
    name: "EXPLAIN and EXPLAIN ANALYZE",
    a: "EXPLAIN DELETE FROM t",
    b: "EXPLAIN ANALYZE DELETE FROM t",
  },
  {
    name: "COPY to different programs",
    a: "COPY t TO PROGRAM 'gzip'",
    b: "COPY t TO PROGRAM 'curl evil'",
  },
  { name: "COPY to a file and to stdout", a: "COPY t TO '/tmp/x'", b: "COPY t TO STDOUT" },
  { name: "different prepared statement names", a: "EXECUTE p1", b: "EXECUTE p2" },
  { name: "a quoted and an unquoted identifier", a: 'SELECT * FROM "T"', b: "SELECT * FROM t" },
  { name: "one statement and two", a: "SELECT 1", b: "SELECT 1; SELECT 1" },
];

describe("decision cache soundness", () => {
  it.each(sameShape)("literal variants share an entry and have equal facts: $name", ({ a, b }) => {
    expect(key(a)).toBeDefined();
    expect(key(a)).toBe(key(b));
    expect(policyFacts(inspectSql(a))).toEqual(policyFacts(inspectSql(b)));
  });

  it.each(differentShape)(
    "statements with different facts never share an entry: $name",
    ({ a, b }) => {
      expect(key(a)).not.toBe(key(b));
      expect(policyFacts(inspectSql(a))).not.toEqual(policyFacts(inspectSql(b)));
    },
  );

  it("across the whole corpus, equal keys imply equal facts", () => {
    const corpus = [...sameShape, ...differentShape].flatMap(({ a, b }) => [a, b]);
    const byKey = new Map<string, ReturnType<typeof policyFacts>>();
    for (const sql of corpus) {
      const k = key(sql)!;
      const f = policyFacts(inspectSql(sql));
      if (byKey.has(k)) expect(f).toEqual(byKey.get(k));
      else byKey.set(k, f);
    }
  });

  // Why the key is the normalised text and not libpg_query's fingerprint.
  const fingerprintCollisions = [
    { name: "schema names", a: "SELECT * FROM public.keys", b: "SELECT * FROM secret.keys" },
    { name: "SET search_path values", a: "SET search_path = app", b: "SET search_path = secret" },
    { name: "prepared statement names", a: "EXECUTE p1", b: "EXECUTE p2" },
  ];
  it.each(fingerprintCollisions)(
    "libpg_query's fingerprint would conflate different facts ($name), our key does not",
    ({ a, b }) => {
      const fa = inspectSql(a, { fingerprint: true });
      const fb = inspectSql(b, { fingerprint: true });
      expect(fa.fingerprint).toBe(fb.fingerprint);
      expect(policyFacts(fa)).not.toEqual(policyFacts(fb));
      // Either the keys differ, or the facts are flagged literal-dependent and never stored.
      expect(key(a) !== key(b) || (!fa.cacheable && !fb.cacheable)).toBe(true);
    },
  );

  it("a WHERE made only of constants counts as no WHERE, so fingerprint and facts agree", () => {
    expect(policyFacts(inspectSql("UPDATE t SET a = 1"))).toEqual(
      policyFacts(inspectSql("UPDATE t SET a = 1 WHERE true")),
    );
  });

  it("PREPARE keeps its literals in the normalised text: variants do not share an entry (safe, only slower)", () => {
    const a = "PREPARE p AS SELECT * FROM t WHERE a = 1";
    const b = "PREPARE p AS SELECT * FROM t WHERE a = 2";
    expect(key(a)).not.toBe(key(b));
    expect(policyFacts(inspectSql(a))).toEqual(policyFacts(inspectSql(b)));
  });
});

describe("decision cache behaviour", () => {
  it("a literal variant is served from the cache with the same decision", () => {
    const cache = new DecisionCache();
    const first = cache.evaluate(
      [demoPolicy],
      version,
      request("SELECT * FROM t WHERE id = 1"),
      WEDNESDAY_MORNING,
    );
    const second = cache.evaluate(
      [demoPolicy],
      version,
      request("SELECT * FROM t WHERE id = 2"),
      WEDNESDAY_MORNING,
    );
    expect(cache.stats).toMatchObject({ hits: 1, misses: 1, size: 1 });
    expect(second.action).toBe(first.action);
    expect(second.matchedRuleIds).toEqual(first.matchedRuleIds);
  });

  it("a cached decision is frozen and carries no statement text", () => {
    const cache = new DecisionCache();
    cache.evaluate(
      [demoPolicy],
      version,
      request("SELECT * FROM t WHERE secret = 'hunter2'"),
      WEDNESDAY_MORNING,
    );
    const hit = cache.evaluate(
      [demoPolicy],
      version,
      request("SELECT * FROM t WHERE secret = 'x'"),
      WEDNESDAY_MORNING,
    );
    expect(hit.facts.statements[0]!.text).toBe("");
    expect(Object.isFrozen(hit)).toBe(true);
    expect(Object.isFrozen(hit.reasons)).toBe(true);
  });

  it("a SET search_path decision is never cached (its fact is a literal)", () => {
    const cache = new DecisionCache();
    cache.evaluate([demoPolicy], version, request("SET search_path = app"), WEDNESDAY_MORNING);
    const second = cache.evaluate(
      [demoPolicy],
      version,
      request("SET search_path = secret"),
      WEDNESDAY_MORNING,
    );
    expect(second.facts.statements[0]!.setSearchPath).toEqual(["secret"]);
    expect(cache.stats).toMatchObject({ hits: 0, size: 0 });
  });

  it("a decision that depended on the time of day is never cached", () => {
    const timed: PolicyDocument = {
      ...demoPolicy,
      rules: [
        {
          id: "hours",
          match: { time: { hours: { from: "09:00", to: "17:00" }, timezone: "UTC" } },
          action: "allow",
        },
      ],
    };
    const cache = new DecisionCache();
    const v = policySetVersion([timed]);
    expect(
      cache.evaluate([timed], v, request("SELECT 1"), new Date("2025-06-11T10:00:00Z")).action,
    ).toBe("allow");
    expect(
      cache.evaluate([timed], v, request("SELECT 1"), new Date("2025-06-11T20:00:00Z")).action,
    ).toBe("deny");
    expect(cache.size).toBe(0);
  });

  it("unparseable text and precomputed facts are not cached", () => {
    expect(key("SELEC 1")).toBeUndefined();
    // normalize reports these errors as text, not as an error: they must still get no key.
    expect(key("SELECT 'unterminated")).toBeUndefined();
    expect(key("SELECT 1 /* open comment")).toBeUndefined();
    expect(key(`SELECT ${"(SELECT ".repeat(20_000)}1${")".repeat(20_000)}`)).toBeUndefined();
    expect(
      DecisionCache.keyFor(request("SELECT 1", { facts: inspectSql("SELECT 1") }), version),
    ).toBeUndefined();
  });

  it("the key changes with the subject, the connection, the search path and the policy version", () => {
    const k = key("SELECT * FROM t");
    expect(
      DecisionCache.keyFor(
        { ...request("SELECT * FROM t"), subject: { user: "bob", groups: ["engineers"] } },
        version,
      ),
    ).not.toBe(k);
    expect(
      DecisionCache.keyFor(
        { ...request("SELECT * FROM t"), subject: { ...engineer, groups: ["engineers", "dba"] } },
        version,
      ),
    ).not.toBe(k);
    expect(
      DecisionCache.keyFor(
        { ...request("SELECT * FROM t"), connection: { name: "other", tags: { env: "demo" } } },
        version,
      ),
    ).not.toBe(k);
    expect(
      DecisionCache.keyFor(
        { ...request("SELECT * FROM t"), connection: { name: "demo-db", tags: { env: "prod" } } },
        version,
      ),
    ).not.toBe(k);
    expect(key("SELECT * FROM t", { searchPath: ["secret"] })).not.toBe(k);
    expect(DecisionCache.keyFor(request("SELECT * FROM t"), "another-version")).not.toBe(k);
  });

  it("the key changes with the subject's elevations, whatever their order", () => {
    const k = key("DELETE FROM t WHERE id = 1");
    const withRole = (elevations: string[]) =>
      key("DELETE FROM t WHERE id = 1", { subject: { ...engineer, elevations } });
    expect(withRole(["dba-write"])).not.toBe(k);
    expect(withRole(["dba-write", "audit"])).not.toBe(withRole(["dba-write"]));
    expect(withRole(["audit", "dba-write"])).toBe(withRole(["dba-write", "audit"]));
    expect(withRole([])).toBe(k);
  });

  it("a decision cached without elevations is not reused when elevations are present", () => {
    const elevation: PolicyDocument = {
      name: "dba-write-elevation",
      elevation: { role: "dba-write", approvers: ["dba"] },
      subjects: { groups: ["engineers"] },
      resources: { tags: { env: "demo" } },
      rules: [{ id: "writes", match: { sql: { statements: ["drop"] } }, action: "allow" }],
    };
    const policies = [demoPolicy, elevation];
    const v = policySetVersion(policies);
    const cache = new DecisionCache();
    const plain = cache.evaluate(policies, v, request("DROP TABLE t"), WEDNESDAY_MORNING);
    const lifted = cache.evaluate(
      policies,
      v,
      request("DROP TABLE t", { subject: { ...engineer, elevations: ["dba-write"] } }),
      WEDNESDAY_MORNING,
    );
    expect(plain.action).toBe("review");
    expect(lifted.action).toBe("allow");
    expect(cache.stats).toMatchObject({ hits: 0, misses: 2, size: 2 });
    const again = cache.evaluate(
      policies,
      v,
      request("DROP TABLE t", { subject: { ...engineer, elevations: ["dba-write"] } }),
      WEDNESDAY_MORNING,
    );
    expect(again.action).toBe("allow");
    expect(cache.stats).toMatchObject({ hits: 1 });
  });

  it("group order and tag order do not change the key", () => {
    const a = DecisionCache.keyFor(
      {
        ...request("SELECT 1"),
        subject: { user: "u", groups: ["a", "b"] },
        connection: { name: "c", tags: { x: "1", y: "2" } },
      },
      version,
    );
    const b = DecisionCache.keyFor(
      {
        ...request("SELECT 1"),
        subject: { user: "u", groups: ["b", "a"] },
        connection: { name: "c", tags: { y: "2", x: "1" } },
      },
      version,
    );
    expect(a).toBe(b);
  });

  it("the least recently used entry is evicted past maxEntries", () => {
    const cache = new DecisionCache(2);
    const ev = (sql: string) =>
      cache.evaluate([demoPolicy], version, request(sql), WEDNESDAY_MORNING);
    ev("SELECT * FROM a");
    ev("SELECT * FROM b");
    ev("SELECT * FROM a WHERE true"); // different shape
    expect(cache.size).toBe(2);
    ev("SELECT * FROM b");
    expect(cache.stats.hits).toBe(1);
    ev("SELECT * FROM a");
    expect(cache.stats.hits).toBe(1);
  });

  it("set refuses a decision that is not cacheable", () => {
    const cache = new DecisionCache();
    const d = cache.evaluate(
      [demoPolicy],
      version,
      request("SET search_path = x"),
      WEDNESDAY_MORNING,
    );
    expect(cache.set("k", d)).toBe(false);
    expect(cache.get("k")).toBeUndefined();
  });

  it("policySetVersion changes when a policy changes and ignores key order", () => {
    const reordered = Object.fromEntries(
      Object.entries(demoPolicy).reverse(),
    ) as unknown as PolicyDocument;
    expect(policySetVersion([reordered])).toBe(version);
    expect(policySetVersion([{ ...demoPolicy, name: "other" }])).not.toBe(version);
  });
});
