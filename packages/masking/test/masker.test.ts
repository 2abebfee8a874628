import { describe, expect, it } from "vitest";
import { MaskConfigError, Masker, type MaskCounts, type MaskRule } from "../src/index";
import { KEY, OID, col, row, strings } from "./helpers";

const masker = (...rules: MaskRule[]) => new Masker(rules, KEY);

/** Masks one row through a fresh plan; the masked values as strings, or undefined. */
function maskOne(
  m: Masker,
  columns: Parameters<Masker["plan"]>[0],
  values: (string | null)[],
  counts: MaskCounts = {},
) {
  const plan = m.plan(columns);
  if (plan === undefined) return "no plan";
  return strings(plan.maskRow(row(...values), counts));
}

describe("Masker configuration", () => {
  it.each([
    [
      "an unknown detector is named",
      { detect: ["email", "passport"], strategy: "redact" },
      /"passport"/,
    ],
    [
      "several unknown detectors are all named",
      { detect: ["foo", "bar"], strategy: "redact" },
      /"foo", "bar"/,
    ],
    ["an unknown strategy is named", { columns: ["*.ssn"], strategy: "scramble" }, /"scramble"/],
    ["a rule needs columns or detect", { strategy: "redact" }, /needs columns/],
    ["an empty column glob is refused", { columns: [""], strategy: "redact" }, /empty/],
  ] as const)("%s", (_name, rule, message) => {
    expect(() => masker(rule as MaskRule)).toThrow(MaskConfigError);
    expect(() => masker(rule as MaskRule)).toThrow(message);
  });

  it("the error message says which rule, counting from 1", () => {
    expect(() =>
      masker({ detect: ["email"], strategy: "redact" }, { detect: ["x"], strategy: "redact" }),
    ).toThrow(/mask rule 2/);
  });

  it("reports whether rules exist, column rules exist, and the union of detectors in DETECTORS order", () => {
    const m = masker(
      { detect: ["jwt", "email"], strategy: "redact" },
      { columns: ["*.ssn"], strategy: "null" },
      { columns: ["notes"], detect: ["phone", "email"], strategy: "partial" },
    );
    expect(m.active).toBe(true);
    expect(m.hasColumnRules).toBe(true);
    expect(m.detectors).toEqual(["email", "phone", "jwt"]);
    const none = masker();
    expect([none.active, none.hasColumnRules, none.detectors]).toEqual([false, false, []]);
    expect(masker({ detect: ["email"], strategy: "redact" }).hasColumnRules).toBe(false);
  });
});

describe("plan(): which columns a rule applies to", () => {
  const ssnRule = masker({ columns: ["customers.ssn"], strategy: "redact" });

  it("an alias keeps the column rule: the source decides, not the name", () => {
    expect(maskOne(ssnRule, [col("x", "public.customers.ssn")], ["123-45-6789"])).toEqual([
      "[REDACTED]",
    ]);
  });

  it("a column named like a rule's column but from another source is not masked by it", () => {
    expect(ssnRule.plan([col("ssn", "public.orders.ref")])).toBeUndefined();
  });

  it("an expression (no source) gets no column rule, even when its alias matches", () => {
    expect(ssnRule.plan([col("ssn", null)])).toBeUndefined();
  });

  it("an expression is masked by content when detect rules exist", () => {
    const m = masker(
      { columns: ["customers.ssn"], strategy: "redact" },
      { detect: ["ssn"], strategy: "redact" },
    );
    expect(maskOne(m, [col("lower", null)], ["id 123-45-6789"])).toEqual(["id [REDACTED:SSN]"]);
  });

  it.each([
    ["a bare name matches the column in any table and schema", "email", "sales.leads.email", true],
    ["a bare name does not match a table of that name", "email", "public.email.id", false],
    ["table.column matches in any schema", "customers.ssn", "archive.customers.ssn", true],
    ["table.column needs that table", "customers.ssn", "public.employees.ssn", false],
    ["schema.table.column matches exactly", "public.customers.ssn", "public.customers.ssn", true],
    [
      "schema.table.column needs that schema",
      "public.customers.ssn",
      "archive.customers.ssn",
      false,
    ],
    ["* matches within a segment", "*.email", "public.users.email", true],
    ["* matches part of a segment", "cust*.card_*", "public.customers.card_number", true],
    ["* does not cross a dot", "public*email", "public.users.email", false],
    ["? matches one character", "customers.ph?ne", "public.customers.phone", true],
    ["? matches exactly one character", "customers.ph?ne", "public.customers.phoone", false],
    ["matching ignores case in the glob", "Customers.SSN", "public.customers.ssn", true],
    ["matching ignores case in the source", "customers.ssn", "Public.Customers.SSN", true],
    ["a view's column matches like a table's", "*.email", "reporting.active_users_v.email", true],
  ])("%s", (_name, glob, source, masked) => {
    const m = masker({ columns: [glob], strategy: "redact" });
    const result = m.plan([col("c", source)]);
    expect(result !== undefined).toBe(masked);
  });

  it("the first matching column rule wins", () => {
    const m = masker(
      { columns: ["customers.email"], strategy: "partial" },
      { columns: ["*.email"], strategy: "null" },
    );
    expect(maskOne(m, [col("email", "public.customers.email")], ["bob@example.com"])).toEqual([
      "***@example.com",
    ]);
    expect(maskOne(m, [col("email", "public.leads.email")], ["bob@example.com"])).toEqual([null]);
  });

  it("a column rule takes the whole value, so detectors do not run on that column", () => {
    const m = masker(
      { detect: ["email"], strategy: "redact" },
      { columns: ["*.notes"], strategy: "hash" },
    );
    const [notes, other] = maskOne(
      m,
      [col("notes", "public.t.notes"), col("other", "public.t.other")],
      ["bob@example.com", "bob@example.com"],
    ) as string[];
    expect(notes).toMatch(/^h:[0-9a-f]{32}$/);
    expect(other).toBe("[REDACTED:EMAIL]");
  });

  it("a rule with columns and detect runs its detectors on those columns only", () => {
    const m = masker({ columns: ["*.notes"], detect: ["phone"], strategy: "partial" });
    expect(
      maskOne(
        m,
        [col("notes", "public.t.notes"), col("bio", "public.t.bio")],
        ["call 555-123-4567", "call 555-123-4567"],
      ),
    ).toEqual(["call ********4567", "call 555-123-4567"]);
  });

  it("where rules give one detector different strategies, the first rule wins", () => {
    const m = masker(
      { detect: ["email"], strategy: "partial" },
      { detect: ["email", "phone"], strategy: "redact" },
    );
    expect(maskOne(m, [col("c", null)], ["bob@example.com 555-123-4567"])).toEqual([
      "***@example.com [REDACTED:PHONE]",
    ]);
  });

  it("plan is undefined when nothing can apply to the result", () => {
    const m = masker(
      { columns: ["*.ssn"], strategy: "redact" },
      { detect: ["email"], strategy: "redact" },
    );
    expect(
      m.plan([col("id", "public.t.id", OID.int4), col("at", null, OID.timestamptz)]),
    ).toBeUndefined();
    expect(masker().plan([col("email", "public.t.email")])).toBeUndefined();
  });
});

describe("type validity", () => {
  const columnRule = (strategy: string) => masker({ columns: ["t.c"], strategy });

  it.each([
    ["int4", OID.int4, "42"],
    ["int8", OID.int8, "9000000000"],
    ["numeric", OID.numeric, "3.14"],
    ["uuid", OID.uuid, "550e8400-e29b-41d4-a716-446655440000"],
    ["timestamptz", OID.timestamptz, "2024-01-15 10:30:00+00"],
    ["json", OID.json, '{"a":1}'],
    ["jsonb", OID.jsonb, '{"a":1}'],
    ["xml", OID.xml, "<a/>"],
    ["an unknown type (citext)", OID.citext, "bob@example.com"],
  ])("a column rule on %s gives NULL, whatever the strategy", (_name, oid, value) => {
    for (const strategy of ["redact", "partial", "hash"]) {
      expect(maskOne(columnRule(strategy), [col("c", "public.t.c", oid)], [value])).toEqual([null]);
    }
  });

  it.each([
    ["text", OID.text],
    ["varchar", OID.varchar],
    ["bpchar", OID.bpchar],
    ["name", OID.name],
  ])("a column rule on %s gives the strategy's text", (_name, oid) => {
    expect(maskOne(columnRule("redact"), [col("c", "public.t.c", oid)], ["secret"])).toEqual([
      "[REDACTED]",
    ]);
  });

  it("detectors never run on non-text types", () => {
    const m = masker({ detect: ["credit_card", "phone", "ipv4"], strategy: "redact" });
    expect(
      m.plan([
        col("n", "public.t.n", OID.int8),
        col("u", null, OID.uuid),
        col("x", null, OID.citext),
      ]),
    ).toBeUndefined();
  });

  it("a binary-format text column gets the same UTF-8 bytes as text format", () => {
    const m = masker(
      { columns: ["t.c"], strategy: "partial" },
      { detect: ["email"], strategy: "redact" },
    );
    const plan = m.plan([col("c", "public.t.c", OID.text, 1), col("d", null, OID.varchar, 1)])!;
    expect(strings(plan.maskRow(row("1234567890", "to bob@example.com"), {}))).toEqual([
      "******7890",
      "to [REDACTED:EMAIL]",
    ]);
  });

  it("a binary-format non-text column covered by a column rule becomes NULL", () => {
    const m = masker({ columns: ["t.id"], strategy: "hash" });
    const plan = m.plan([col("id", "public.t.id", OID.int8, 1)])!;
    expect(plan.maskRow([Buffer.from([0, 0, 0, 0, 0, 0, 0, 42])], {})).toEqual([null]);
  });

  it("jsonb binary keeps its version byte in front of the masked text", () => {
    const m = masker({ detect: ["email"], strategy: "redact" });
    const plan = m.plan([col("doc", "public.t.doc", OID.jsonb, 1)])!;
    const value = Buffer.concat([Buffer.from([1]), Buffer.from('{"email": "bob@example.com"}')]);
    const [out] = plan.maskRow([value], {})!;
    expect(out![0]).toBe(1);
    expect(JSON.parse(out!.subarray(1).toString())).toEqual({ email: "[REDACTED:EMAIL]" });
  });

  it("a jsonb binary value of an unknown version is refused rather than forwarded", () => {
    const m = masker({ detect: ["email"], strategy: "redact" });
    const plan = m.plan([col("doc", "public.t.doc", OID.jsonb, 1)])!;
    expect(() => plan.maskRow([Buffer.from('\u0002{"e":"bob@example.com"}')], {})).toThrow(/jsonb/);
  });

  it.each(["redact", "partial", "hash"])(
    "json masked by content with %s stays valid JSON",
    (strategy) => {
      const m = masker({
        detect: ["email", "phone", "credit_card", "uri_password", "private_key", "api_key"],
        strategy,
      });
      const doc = {
        email: "bob@example.com",
        escaped: "line one\nbob@example.com\tand\u00e9carol@example.org",
        quoted: 'he said "call 555-123-4567"',
        card: "4111 1111 1111 1111",
        dsn: 'postgres://u:p\\"a@ss"w0rd@db/x',
        key: "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----",
        api: "token=sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        nested: [{ e: "dave@example.net" }],
      };
      for (const oid of [OID.json, OID.jsonb]) {
        const [out] = maskOne(
          m,
          [col("doc", "public.t.doc", oid)],
          [JSON.stringify(doc)],
        ) as string[];
        const parsed = JSON.parse(out!);
        expect(JSON.stringify(parsed)).not.toMatch(
          /bob@|carol@|dave@|555-123|4111 1111 1111 1111|MIIE|4eC39/,
        );
        expect(Object.keys(parsed)).toEqual(Object.keys(doc));
      }
    },
  );

  it("a json value with \\u escapes next to a match stays valid", () => {
    const m = masker({ detect: ["email"], strategy: "partial" });
    const text = '{"a":"\\u00e9bob@example.com","b":"x\\\\bob@example.com"}';
    const [out] = maskOne(m, [col("doc", null, OID.json)], [text]) as string[];
    expect(JSON.parse(out!)).toEqual({ a: "é***@example.com", b: "x\\***@example.com" });
  });

  it("xml content is masked in place, without markup in the output", () => {
    const m = masker({ detect: ["email"], strategy: "redact" });
    expect(maskOne(m, [col("x", null, OID.xml)], ["<c><mail>bob@example.com</mail></c>"])).toEqual([
      "<c><mail>[REDACTED:EMAIL]</mail></c>",
    ]);
  });

  it("strategy null on a detector match makes the whole value NULL", () => {
    const m = masker(
      { detect: ["ssn"], strategy: "null" },
      { detect: ["email"], strategy: "redact" },
    );
    expect(maskOne(m, [col("c", null)], ["bob@example.com 123-45-6789"])).toEqual([null]);
  });
});

describe("maskRow", () => {
  const m = masker(
    { detect: ["email", "phone"], strategy: "redact" },
    { columns: ["*.ssn"], strategy: "partial" },
  );
  const columns = [
    col("id", "public.c.id", OID.int4),
    col("email", "public.c.email"),
    col("ssn", "public.c.ssn"),
    col("note", null),
  ];

  it("returns undefined when no value changed", () => {
    const plan = m.plan(columns)!;
    const counts: MaskCounts = {};
    expect(plan.maskRow(row("1", "none here", null, "nothing"), counts)).toBeUndefined();
    expect(counts).toEqual({});
  });

  it("returns new values and leaves the input as it was", () => {
    const plan = m.plan(columns)!;
    const input = row("1", "bob@example.com", "123-45-6789", "fine");
    const out = plan.maskRow(input, {});
    expect(strings(out)).toEqual(["1", "[REDACTED:EMAIL]", "*******6789", "fine"]);
    expect(out![0]).toBe(input[0]);
    expect(strings(input)).toEqual(["1", "bob@example.com", "123-45-6789", "fine"]);
  });

  it("keeps SQL NULL as NULL, uncounted", () => {
    const counts: MaskCounts = {};
    expect(m.plan(columns)!.maskRow(row(null, null, null, null), counts)).toBeUndefined();
    expect(counts).toEqual({});
  });

  it("counts each entity once per value, and column rules as COLUMN", () => {
    const plan = m.plan(columns)!;
    const counts: MaskCounts = {};
    plan.maskRow(
      row("1", "a@example.com, b@example.com", "123-45-6789", "555-123-4567 or c@example.com"),
      counts,
    );
    plan.maskRow(row("2", "d@example.com", "234-56-7890", null), counts);
    expect(counts).toEqual({ EMAIL: 3, PHONE: 1, COLUMN: 2 });
  });

  it("refuses a row whose value count differs from the RowDescription", () => {
    expect(() => m.plan(columns)!.maskRow(row("1"), {})).toThrow(/4 columns/);
  });

  it("content detection uses the column name as context", () => {
    const phones = masker({ detect: ["phone"], strategy: "redact" });
    expect(
      maskOne(
        phones,
        [col("mobile_phone", "public.c.mobile_phone"), col("ref", "public.c.ref")],
        ["5551234567", "5551234567"],
      ),
    ).toEqual(["[REDACTED:PHONE]", "5551234567"]);
  });

  it("a UUID in a token column is kept, a random token beside it is masked", () => {
    const keys = masker({ detect: ["api_key", "credit_card"], strategy: "redact" });
    const columns = [col("token", "public.s.token"), col("api_token", "public.s.api_token")];
    const uuid = "41111111-1111-1111-2222-3f2b8c1e9d4a";
    expect(maskOne(keys, columns, [uuid, uuid.toUpperCase()])).toBe(undefined);
    expect(maskOne(keys, columns, [uuid, "X7kP2mQ9vL4nR8tW3yZ6bC1dF5gH0jK"])).toEqual([
      uuid,
      "[REDACTED:API_KEY]",
    ]);
  });

  it("non-ASCII text around a match is kept intact", () => {
    const emails = masker({ detect: ["email"], strategy: "partial" });
    expect(
      maskOne(emails, [col("c", null)], ["Zoë — zoë.x@example.com / zoe@example.com ✓"]),
    ).toEqual([
      // ASCII local parts only: "zoë.x@" is matched from the "x".
      "Zoë — zoë.***@example.com / ***@example.com ✓",
    ]);
  });
});
