// PUT /policies/:name bodies before validation: YAML text (syntax errors name the line and
// column), or JSON {document, comment?}; and how validation problems become one
// InvalidInput that lists each `path: message`.
import { describe, expect, it } from "vitest";
import { InvalidInput } from "../src/errors/domain-errors";
import { canonicalJson } from "../src/policies/canonical-json";
import { fromYamlText, isYamlContentType, policySourceFromBody } from "../src/policies/policy-body";
import { invalidPolicy } from "../src/policies/policy-validation";

function refusal(fn: () => unknown): InvalidInput {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidInput) return err;
    throw err;
  }
  throw new Error("expected InvalidInput");
}

const YAML = `# who may read production
name: prod-readers
subjects: { groups: [engineers] }
resources: { tags: { env: prod } }
rules:
  - id: reads
    match: { sql: { statements: [select] } }
    action: allow
`;

describe("isYamlContentType", () => {
  it.each([
    ["application/yaml", true],
    ["text/yaml; charset=utf-8", true],
    ["Application/X-YAML", true],
    ["text/x-yaml", true],
    ["application/json", false],
    ["text/plain", false],
    [undefined, false],
  ])("%s → %s", (header, expected) => {
    expect(isYamlContentType(header)).toBe(expected);
  });
});

describe("YAML bodies", () => {
  it("keeps the text as applied, comments included, and parses the document", () => {
    const source = fromYamlText(YAML);
    expect(source.format).toBe("yaml");
    expect(source.text).toBe(YAML);
    expect(source.input).toMatchObject({
      name: "prod-readers",
      subjects: { groups: ["engineers"] },
    });
  });

  it("names the line and column of a syntax error", () => {
    const err = refusal(() => fromYamlText("name: x\nrules: [\n  - a\n"));
    expect(err.message).toMatch(/^body: is not valid YAML: line \d+, column \d+: /);
    expect(err.issues?.[0]?.path).toMatch(/^line \d+, column \d+$/);
  });

  it("names the line of a duplicate key", () => {
    const err = refusal(() => fromYamlText("name: a\nsubjects: {}\nname: b\n"));
    expect(err.issues).toEqual([
      { path: "line 3, column 1", message: expect.stringMatching(/unique/i) as string },
    ]);
  });

  it("refuses several documents in one body, saying why", () => {
    const err = refusal(() => fromYamlText("name: a\n---\nname: b\n"));
    expect(err.message).toMatch(/more than one YAML document/);
  });

  it("refuses an empty body", () => {
    expect(refusal(() => fromYamlText(" \n")).message).toMatch(/body: is empty/);
  });

  it("refuses a document that expands aliases without end", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]",
    ].join("\n");
    expect(refusal(() => fromYamlText(bomb)).message).toMatch(/body: cannot be read as YAML/);
  });

  it("reads a YAML string body through policySourceFromBody", () => {
    expect(policySourceFromBody(YAML).format).toBe("yaml");
  });
});

describe("JSON bodies", () => {
  it("takes {document, comment} and stores the document pretty-printed", () => {
    const document = { name: "a", subjects: {}, resources: {}, rules: [] };
    const source = policySourceFromBody({ document, comment: "why" });
    expect(source).toEqual({
      input: document,
      format: "json",
      text: `${JSON.stringify(document, null, 2)}\n`,
      comment: "why",
    });
  });

  it.each<[string, unknown, RegExp, string | undefined]>([
    ["an array", [], /body: expected a JSON object/, undefined],
    ["no document", {}, /body.document: is required/, "document"],
    [
      "a document that is not an object",
      { document: "name: a" },
      /body.document: expected a JSON object/,
      "document",
    ],
    [
      "the policy unwrapped",
      { name: "a", rules: [] },
      /unknown fields "name", "rules".*wrap the policy/,
      "name",
    ],
    [
      "a comment that is not a string",
      { document: {}, comment: 3 },
      /body.comment: expected a string/,
      "comment",
    ],
  ])("refuses %s", (_what, body, message, field) => {
    const err = refusal(() => policySourceFromBody(body));
    expect(err.message).toMatch(message);
    expect(err.field).toBe(field);
  });
});

describe("invalidPolicy", () => {
  it("lists every issue as path: message, with the first path as the field", () => {
    const err = invalidPolicy("prod", [
      {
        path: "rules[2].match.sql.statements[0]",
        message: 'unknown statement kind "selct" (did you mean "select"?)',
      },
      { path: "subjects", message: "name at least one group, user or service account" },
    ]);
    expect(err.message).toBe(
      'policy "prod" is invalid: rules[2].match.sql.statements[0]: unknown statement kind "selct" (did you mean "select"?); ' +
        "subjects: name at least one group, user or service account",
    );
    expect(err.field).toBe("rules[2].match.sql.statements[0]");
    expect(err.issues).toHaveLength(2);
  });

  it("leaves the field out for a problem of the whole document", () => {
    const err = invalidPolicy("prod", [{ path: "", message: "expected a mapping" }]);
    expect(err.message).toBe('policy "prod" is invalid: expected a mapping');
    expect(err.field).toBeUndefined();
  });
});

describe("canonicalJson", () => {
  it("is the same for the same document whatever the key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [1, { y: 2, z: 1 }] }, b: 1 }),
    );
  });

  it("differs when a value, or the order of a list, differs", () => {
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson({ a: "1" })).not.toBe(canonicalJson({ a: 1 }));
  });

  it("ignores members that are undefined, as JSON does", () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
  });
});
