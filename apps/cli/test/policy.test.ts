// `airlock policy`: what each file sends, how refusals are printed (one problem per line,
// with its path, and nothing applied), the test report and its exit codes. The control
// plane is a fake fetch here; test/e2e/policies.test.ts runs the real one.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../src/cli";
import { simulationInput, testExitCode } from "../src/commands/policy";
import { PolicyFileError, policyFileFormat, readPolicyFile } from "../src/commands/policy-files";
import { RawBody } from "../src/http/api-client";
import { SimulationSchema } from "../src/http/schemas";
import {
  applyLine,
  policyTable,
  resourcesLabel,
  simulationReport,
  subjectsLabel,
} from "../src/views/policies";
import { captureContext, tempDir } from "./helpers";

const YAML = `name: prod-readers
subjects: { groups: [engineers] }
resources: { tags: { env: prod } }
rules:
  - id: reads
    match: { sql: { statements: [select] } }
    action: allow
`;

function problems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof PolicyFileError) return error.problems;
    throw error;
  }
  throw new Error("expected a PolicyFileError");
}

describe("policy files", () => {
  it.each([
    ["p.yaml", "name: a", "yaml"],
    ["p.YML", "name: a", "yaml"],
    ["p.json", '{"name": "a"}', "json"],
    ["stdin", '  {"name": "a"}', "json"],
    ["stdin", "name: a", "yaml"],
  ])("%s holding %j is %s", (source, text, format) => {
    expect(policyFileFormat(source, text)).toBe(format);
  });

  it("sends YAML as the text itself, with its content type", () => {
    const file = readPolicyFile("p.yaml", YAML);
    expect(file.name).toBe("prod-readers");
    expect(file.body).toBeInstanceOf(RawBody);
    expect(file.body).toMatchObject({ text: YAML, contentType: "application/yaml" });
  });

  it("sends JSON as {document}", () => {
    const file = readPolicyFile("p.json", '{"name": "a", "rules": []}');
    expect(file).toMatchObject({
      name: "a",
      format: "json",
      body: { document: { name: "a", rules: [] } },
    });
  });

  it("names the line and column of a YAML syntax error", () => {
    expect(problems(() => readPolicyFile("p.yaml", "name: a\nrules: [\n  - x\n"))[0]).toMatch(
      /^line \d+, column \d+: /,
    );
  });

  it("names the line and column of a JSON syntax error", () => {
    expect(problems(() => readPolicyFile("p.json", '{\n  "name": "a",\n}'))[0]).toMatch(
      /^is not valid JSON: .*\(line 3, column 1\)$/,
    );
  });

  it.each([
    ["no name", "subjects: {}\n", /^name: is required/],
    ["a list", "- a\n- b\n", /not a policy/],
    ["nothing", "\n", /is empty/],
    ["two documents", "name: a\n---\nname: b\n", /more than one YAML document/],
  ])("refuses %s", (_what, text, message) => {
    expect(problems(() => readPolicyFile("p.yaml", text))[0]).toMatch(message);
  });
});

describe("policy test input", () => {
  it("needs a subject", () => {
    expect(() => simulationInput({ connection: "pg", command: "select 1" })).toThrow(
      /--as <user> or --groups/,
    );
  });

  it("splits --groups and --search-path on commas", () => {
    expect(
      simulationInput({
        groups: "a, b,,c",
        connection: "pg",
        command: "select 1",
        searchPath: "app,public",
      }),
    ).toEqual({
      groups: ["a", "b", "c"],
      connection: "pg",
      command: "select 1",
      searchPath: ["app", "public"],
    });
  });

  it("exits 0 for allow, 3 for deny, 4 for review, 3 for anything unknown", () => {
    expect([
      testExitCode("allow"),
      testExitCode("deny"),
      testExitCode("review"),
      testExitCode("later"),
    ]).toEqual([0, 3, 4, 3]);
  });
});

describe("policy views", () => {
  const NOW = new Date("2026-03-01T12:00:00.000Z");

  it("summarises subjects and resources", () => {
    expect(subjectsLabel({ users: ["alice"], groups: ["eng", "dba"], service_accounts: [] })).toBe(
      "groups=eng,dba users=alice",
    );
    expect(resourcesLabel({ connections: ["pg-*"], tags: { env: "prod", team: "data" } })).toBe(
      "connections=pg-* tags=env=prod,team=data",
    );
  });

  it("lists policies in a table", () => {
    const table = policyTable(
      [
        {
          name: "prod-readers",
          currentVersion: 2,
          ruleCount: 3,
          subjects: { groups: ["engineers"] },
          resources: { tags: { env: "prod" } },
          updatedAt: "2026-03-01T11:55:00.000Z",
          author: { id: "u1", name: "admin" },
        },
      ],
      NOW,
    );
    expect(table.split("\n")[0]).toMatch(
      /^NAME\s+VERSION\s+RULES\s+SUBJECTS\s+RESOURCES\s+UPDATED\s+AUTHOR$/,
    );
    expect(table).toMatch(
      /prod-readers\s+2\s+3\s+groups=engineers\s+tags=env=prod\s+5m ago\s+admin/,
    );
  });

  it("says whether an apply changed the policy", () => {
    expect(applyLine({ name: "a", version: 2, changed: true })).toBe("policy a version 2\n");
    expect(applyLine({ name: "a", version: 2, changed: false })).toBe(
      "policy a unchanged (version 2)\n",
    );
  });

  it("reports the decision, its rules and reasons, and each statement's facts", () => {
    const report = simulationReport(
      SimulationSchema.parse({
        decision: {
          action: "deny",
          matchedRuleIds: ["no-drops"],
          reasons: ["DROP is blocked on production", "second reason"],
          mask: [],
        },
        facts: {
          statements: [
            {
              kind: "select",
              kinds: ["select"],
              relationsRead: ["public.users"],
              relationsWritten: [],
              functions: ["now"],
              withoutWhere: false,
            },
            {
              kind: "drop",
              kinds: ["drop", "ddl"],
              relationsRead: [],
              relationsWritten: ["public.users"],
              functions: [],
            },
            {
              kind: "delete",
              kinds: ["delete"],
              relationsRead: [],
              relationsWritten: ["public.orders"],
              withoutWhere: true,
            },
          ],
        },
        policies: ["prod-engineers"],
        subject: { user: "alice", groups: ["engineers"], kind: "human" },
        connection: { name: "pg-prod", tags: { env: "prod" } },
      }),
    );
    expect(report).toMatch(/^Decision:\s+DENY$/m);
    expect(report).toMatch(/^Matched rules:\s+no-drops$/m);
    expect(report).toMatch(/^Reasons:\s+DROP is blocked on production\n\s+second reason$/m);
    expect(report).toMatch(/^Subject:\s+alice \(human\), groups: engineers$/m);
    expect(report).toMatch(/^Connection:\s+pg-prod \(env=prod\)$/m);
    expect(report).toMatch(/^#\s+KIND\s+READS\s+WRITES\s+FUNCTIONS\s+WITHOUT WHERE$/m);
    expect(report).toMatch(/^1\s+select\s+public.users\s+-\s+now\s+no$/m);
    expect(report).toMatch(/^2\s+drop \(ddl\)\s+-\s+public.users\s+-\s+no$/m);
    expect(report).toMatch(/^3\s+delete\s+-\s+public.orders\s+-\s+yes$/m);
  });
});

describe("policy test report for a review", () => {
  it("says who must approve, how many, and the timeout, and lists the masking", () => {
    const report = simulationReport(
      SimulationSchema.parse({
        decision: {
          action: "review",
          matchedRuleIds: ["demo/ddl-needs-dba"],
          reasons: ["schema changes need a DBA"],
          review: { approvers: ["dba"], minApprovals: 2, timeoutMs: 5_400_000 },
          mask: [
            { columns: ["*.email"], strategy: "partial" },
            { detect: ["iban"], strategy: "redact" },
          ],
        },
        facts: { statements: [] },
        policies: ["demo"],
        subject: { user: "", groups: ["engineers"] },
      }),
    );
    expect(report).toMatch(/^Review:\s+2 approvals from dba, times out after 1h 30m$/m);
    expect(report).toMatch(/^Masking:\s+\*\.email → partial; detect iban → redact$/m);
    expect(report).toMatch(/^Subject:\s+\(any user\), groups: engineers$/m);
  });
});

describe("airlock policy apply (against a fake control plane)", () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  interface Seen {
    method: string;
    url: string;
    contentType: string | null;
    body: string;
  }

  function fakeControlPlane(answer: (seen: Seen) => { status: number; body: unknown }) {
    const seen: Seen[] = [];
    const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      const request: Seen = {
        method: init?.method ?? "GET",
        url: input instanceof Request ? input.url : input.toString(),
        contentType: headers.get("content-type"),
        body: typeof init?.body === "string" ? init.body : "",
      };
      seen.push(request);
      const { status, body } = answer(request);
      return new Response(JSON.stringify(body), {
        status,
        headers: { "content-type": "application/json" },
      });
    }) as typeof globalThis.fetch;
    return { fetch, seen };
  }

  async function run(args: string[], fetch: typeof globalThis.fetch) {
    const captured = captureContext({
      HOME: dir,
      AIRLOCK_URL: "http://cp.test",
      AIRLOCK_API_KEY: `alk_key_${"1".repeat(12)}_${"x".repeat(43)}`,
    });
    const code = await runCli({ ...captured.ctx, fetch }, args);
    return { code, stdout: captured.stdout(), stderr: captured.stderr() };
  }

  it("validates every file first, then applies each and prints its version", async () => {
    const a = join(dir, "a.yaml");
    const b = join(dir, "b.json");
    writeFileSync(a, YAML);
    writeFileSync(b, JSON.stringify({ name: "b", subjects: {}, resources: {}, rules: [] }));
    const { fetch, seen } = fakeControlPlane((req) => {
      const name = /policies\/([^?]+)/.exec(req.url)?.[1] ?? "";
      return { status: 200, body: { name, version: name === "b" ? 1 : 3, changed: name === "b" } };
    });
    const result = await run(["policy", "apply", "-f", a, "-f", b, "--comment", "JIRA-1"], fetch);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toBe("policy prod-readers unchanged (version 3)\npolicy b version 1\n");
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "PUT http://cp.test/api/v1/policies/prod-readers?dryRun=true&comment=JIRA-1",
      "PUT http://cp.test/api/v1/policies/b?dryRun=true&comment=JIRA-1",
      "PUT http://cp.test/api/v1/policies/prod-readers?comment=JIRA-1",
      "PUT http://cp.test/api/v1/policies/b?comment=JIRA-1",
    ]);
    expect(seen[0]).toMatchObject({ contentType: "application/yaml", body: YAML });
    expect(seen[1]?.contentType).toBe("application/json");
    expect(JSON.parse(seen[1]?.body ?? "")).toMatchObject({ document: { name: "b" } });
  });

  it("prints each problem of a refused file on its own line and applies nothing", async () => {
    const a = join(dir, "a.yaml");
    const b = join(dir, "b.yaml");
    writeFileSync(a, YAML);
    writeFileSync(b, YAML.replace("prod-readers", "bad").replace("[select]", "[selct]"));
    const { fetch, seen } = fakeControlPlane((req) =>
      req.url.includes("/bad")
        ? {
            status: 400,
            body: {
              error: {
                code: "invalid_input",
                message: 'policy "bad" is invalid: …',
                field: "rules[0].match.sql.statements[0]",
                issues: [
                  {
                    path: "rules[0].match.sql.statements[0]",
                    message: 'unknown statement kind "selct" (did you mean "select"?)',
                  },
                  { path: "subjects", message: "name at least one subject" },
                ],
              },
            },
          }
        : { status: 200, body: { name: "prod-readers", version: 1, changed: true, dryRun: true } },
    );
    const result = await run(["policy", "apply", "-f", a, "-f", b], fetch);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      [
        `error: ${b}: policy "bad" is invalid:`,
        '  rules[0].match.sql.statements[0]: unknown statement kind "selct" (did you mean "select"?)',
        "  subjects: name at least one subject",
        "Nothing was applied.",
        "",
      ].join("\n"),
    );
    expect(seen.every((s) => s.url.includes("dryRun=true"))).toBe(true);
  });

  it("refuses a file with a syntax error before sending anything", async () => {
    const a = join(dir, "a.yaml");
    writeFileSync(a, "name: a\nrules: [\n");
    const { fetch, seen } = fakeControlPlane(() => ({ status: 500, body: {} }));
    const result = await run(["policy", "apply", "-f", a], fetch);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^error: ${a}:\\n  line \\d+, column \\d+: `));
    expect(seen).toEqual([]);
  });

  it("refuses two files that define the same policy", async () => {
    const a = join(dir, "a.yaml");
    const b = join(dir, "b.yaml");
    writeFileSync(a, YAML);
    writeFileSync(b, YAML);
    const { fetch } = fakeControlPlane(() => ({ status: 500, body: {} }));
    const result = await run(["policy", "apply", "-f", a, "-f", b], fetch);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/both define policy "prod-readers"/);
  });

  it("exits with the decision's code from policy test", async () => {
    const { fetch, seen } = fakeControlPlane(() => ({
      status: 200,
      body: {
        decision: {
          action: "review",
          matchedRuleIds: ["ddl-needs-dba"],
          reasons: ["needs a DBA"],
          mask: [],
        },
      },
    }));
    const result = await run(
      [
        "policy",
        "test",
        "--as",
        "alice",
        "--connection",
        "pg-prod",
        "-c",
        "create table t (id int)",
      ],
      fetch,
    );
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(/^Decision:\s+REVIEW$/m);
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual({
      user: "alice",
      connection: "pg-prod",
      command: "create table t (id int)",
    });
  });
});
