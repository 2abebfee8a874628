// Policies end to end (docs/design/0004-policy-storage.md): applied from YAML files with the
// real CLI, listed, shown as applied, versioned (unchanged → same version; a change → a new
// version with its author), refused with the path of each problem, simulated through the
// API and `airlock policy test`, deleted (then deny by default), read-only for auditors,
// and picked up by a second control plane replica through the poll.
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/db";
import { type Api, Cli, ControlPlane, newApiKey, waitUntil } from "./harness";

const POLICY = `# Engineers on production: reads yes, drops never.
name: prod-engineers
description: what engineers may do on production
subjects: { groups: [engineers] }
resources: { tags: { env: prod } }
rules:
  - id: no-drops
    match: { sql: { statements: [drop] } }
    action: deny
    message: "DROP is blocked on production"
  - id: reads
    match: { sql: { statements: [select] } }
    action: allow
`;

const CHANGED = POLICY.replace(
  "  - id: reads\n",
  `  - id: writes-with-where
    match: { sql: { statements: [update, delete], without_where: false } }
    action: allow
  - id: reads
`,
);

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: ControlPlane;
let replica: ControlPlane | undefined;
let sql: pg.Client;
let cli: Cli;
let dir: string;
let auditorKey: string;

function file(name: string, text: string): string {
  const target = path.join(dir, name);
  writeFileSync(target, text);
  return target;
}

async function createUser(name: string, role: "admin" | "auditor" | "user"): Promise<string> {
  const { rows } = await sql.query<{ id: string }>(
    "INSERT INTO users (id, name, role, updated_at) VALUES (gen_random_uuid(), $1, $2, now()) RETURNING id",
    [name, role],
  );
  return rows[0]!.id;
}

async function addToGroup(userId: string, group: string): Promise<void> {
  await sql.query(
    "INSERT INTO groups (id, name) VALUES (gen_random_uuid(), $1) ON CONFLICT (name) DO NOTHING",
    [group],
  );
  await sql.query(
    "INSERT INTO user_groups (user_id, group_id) SELECT $1, id FROM groups WHERE name = $2",
    [userId, group],
  );
}

/** An API key stored the way the control plane stores them: id + SHA-256(secret). */
async function createKey(userId: string): Promise<string> {
  const key = newApiKey();
  const prefix = key.slice(8, 20);
  const secret = key.slice(21);
  await sql.query(
    "INSERT INTO api_keys (id, user_id, name, prefix, secret_hash) VALUES (gen_random_uuid(), $1, 'test', $2, $3)",
    [userId, prefix, createHash("sha256").update(secret, "utf8").digest()],
  );
  return key;
}

function putYaml(api: Api, name: string, text: string, query = "") {
  return api.request("PUT", `/api/v1/policies/${name}${query}`, text, {
    "content-type": "application/yaml",
  });
}

function simulate(api: Api, body: Record<string, unknown>) {
  return api.post("/api/v1/policies/simulate", body);
}

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await ControlPlane.start({ databaseUrl: db.url });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  dir = mkdtempSync(path.join(tmpdir(), "airlock-policies-"));
  cli = new Cli({ AIRLOCK_URL: cp.httpUrl, AIRLOCK_API_KEY: cp.options.adminKey });

  expect((await cp.api().post("/api/v1/connectors", { name: "edge-p" })).status).toBe(201);
  for (const [name, env] of [
    ["pg-prod", "prod"],
    ["pg-dev", "dev"],
  ] as const) {
    const res = await cp.api().post("/api/v1/connections", {
      name,
      type: "postgres",
      connector: "edge-p",
      host: "db.internal",
      port: 5432,
      tags: { env },
    });
    expect(res.status).toBe(201);
  }
  const alice = await createUser("alice", "user");
  await addToGroup(alice, "engineers");
  await addToGroup(alice, "oncall");
  await createUser("sam", "user");
  auditorKey = await createKey(await createUser("audrey", "auditor"));
});

afterAll(async () => {
  await replica?.proc.stop();
  await cp?.proc.stop();
  await sql?.end();
  await db?.drop();
});

describe("applying, listing and showing", () => {
  it("applies a policy from a YAML file with the CLI", () => {
    const res = cli.run(["policy", "apply", "-f", file("prod.yaml", POLICY)]);
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(res.stdout).toBe("policy prod-engineers version 1\n");
  });

  it("lists it with its version, rule count, subjects and author", async () => {
    const res = await cp.api().get("/api/v1/policies");
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      {
        name: "prod-engineers",
        description: "what engineers may do on production",
        currentVersion: 1,
        ruleCount: 2,
        subjects: { groups: ["engineers"] },
        resources: { tags: { env: "prod" } },
        updatedAt: expect.any(String),
        author: { id: expect.any(String), name: "admin" },
      },
    ]);
    const table = cli.run(["policy", "list"]);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(
      /prod-engineers\s+1\s+2\s+groups=engineers\s+tags=env=prod\s+\S+.*admin/,
    );
  });

  it("shows the text exactly as applied, comments included", async () => {
    const res = cli.run(["policy", "show", "prod-engineers"]);
    expect(res.status).toBe(0);
    expect(res.stdout).toBe(POLICY);
    const api = await cp.api().get("/api/v1/policies/prod-engineers");
    expect(api.status).toBe(200);
    expect(api.body).toMatchObject({
      name: "prod-engineers",
      version: 1,
      currentVersion: 1,
      deleted: false,
      sourceFormat: "yaml",
      sourceText: POLICY,
      author: { name: "admin" },
      document: { name: "prod-engineers", subjects: { groups: ["engineers"] } },
    });
    const json = cli.run(["policy", "show", "prod-engineers", "--output", "json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      name: "prod-engineers",
      rules: [{ id: "no-drops" }, { id: "reads" }],
    });
  });

  it("stores nothing when the same policy is applied again, however it is formatted", async () => {
    const res = cli.run(["policy", "apply", "-f", file("again.yaml", POLICY)]);
    expect(res.status).toBe(0);
    expect(res.stdout).toBe("policy prod-engineers unchanged (version 1)\n");
    const document = (await cp.api().get("/api/v1/policies/prod-engineers")).body.document;
    const asJson = await cp.api().request("PUT", "/api/v1/policies/prod-engineers", { document });
    expect(asJson.status).toBe(200);
    expect(asJson.body).toMatchObject({ version: 1, changed: false });
    const versions = await cp.api().get("/api/v1/policies/prod-engineers/versions");
    expect(versions.body.items).toHaveLength(1);
  });

  it("stores a change as version 2 with its author, time and comment; version 1 stays readable", async () => {
    const res = cli.run([
      "policy",
      "apply",
      "-f",
      file("changed.yaml", CHANGED),
      "--comment",
      "allow bounded writes",
    ]);
    expect(res.stderr).toBe("");
    expect(res.stdout).toBe("policy prod-engineers version 2\n");

    const versions = await cp.api().get("/api/v1/policies/prod-engineers/versions");
    expect(versions.status).toBe(200);
    expect(versions.body).toMatchObject({
      name: "prod-engineers",
      currentVersion: 2,
      deleted: false,
    });
    expect(versions.body.items).toEqual([
      expect.objectContaining({
        version: 1,
        author: expect.objectContaining({ name: "admin" }),
        comment: null,
        deleted: false,
        ruleCount: 2,
      }),
      expect.objectContaining({
        version: 2,
        author: expect.objectContaining({ name: "admin" }),
        comment: "allow bounded writes",
        deleted: false,
        ruleCount: 3,
      }),
    ]);
    const [v1, v2] = versions.body.items as Array<{ createdAt: string }>;
    expect(Date.parse(v2!.createdAt)).toBeGreaterThanOrEqual(Date.parse(v1!.createdAt));

    expect(cli.run(["policy", "show", "prod-engineers", "--revision", "1"]).stdout).toBe(POLICY);
    expect(cli.run(["policy", "show", "prod-engineers"]).stdout).toBe(CHANGED);
    const old = await cp.api().get("/api/v1/policies/prod-engineers?version=1");
    expect(old.body).toMatchObject({ version: 1, currentVersion: 2, sourceText: POLICY });

    const history = cli.run(["policy", "versions", "prod-engineers"]);
    expect(history.stdout).toMatch(/^2\s+.*admin\s+applied \(yaml\)\s+3\s+allow bounded writes$/m);
  });

  it("validates without storing on a dry run", async () => {
    const res = await putYaml(cp.api(), "prod-engineers", POLICY, "?dryRun=true");
    expect(res.body).toMatchObject({ version: 3, changed: true, dryRun: true });
    expect((await cp.api().get("/api/v1/policies/prod-engineers")).body.currentVersion).toBe(2);
  });

  it("answers 404 for an unknown policy or version", async () => {
    expect((await cp.api().get("/api/v1/policies/nope")).status).toBe(404);
    const res = await cp.api().get("/api/v1/policies/prod-engineers?version=9");
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(/no version 9/);
  });
});

describe("refusing malformed documents, naming the path", () => {
  const base = POLICY.replace("prod-engineers", "broken");

  it("names the line and column of a YAML syntax error", async () => {
    const res = await putYaml(cp.api(), "broken", "name: broken\nrules: [\n  - id: a\n");
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_input");
    expect(res.body.error.message).toMatch(/^body: is not valid YAML: line \d+, column \d+: /);
    expect(res.body.error.issues[0].path).toMatch(/^line \d+, column \d+$/);
  });

  it('names the rule and statement of the "selct" typo and suggests "select"', async () => {
    const res = await putYaml(
      cp.api(),
      "broken",
      base.replace("statements: [select]", "statements: [selct]"),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe("rules[1].match.sql.statements[0]");
    expect(res.body.error.message).toMatch(
      /rules\[1\]\.match\.sql\.statements\[0\]: .*"selct".*"select"/,
    );
  });

  it.each<[string, string, RegExp]>([
    ["an unknown action", base.replace("action: deny", "action: block"), /^rules\[0\]\.action$/],
    ["a misspelt field", base.replace("    message:", "    mesage:"), /^rules\[0\]/],
    [
      "rules that are not a list",
      base.replace(/rules:[\s\S]*$/, "rules: allow-everything\n"),
      /^rules$/,
    ],
    ["a duplicate rule id", base.replace("id: reads", "id: no-drops"), /^rules\[1\]/],
    [
      "a review without approvers",
      base.replace("action: deny\n", "action: review\n    review: {}\n"),
      /^rules\[0\]\.review/,
    ],
  ])("refuses %s, naming the path", async (_what, text, field) => {
    const res = await putYaml(cp.api(), "broken", text);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_input");
    expect(res.body.error.field).toMatch(field);
    expect(res.body.error.message).toContain(`${res.body.error.field}: `);
    expect(res.body.error.issues.length).toBeGreaterThan(0);
  });

  it("refuses a document whose name is not the one in the URL", async () => {
    const res = await putYaml(cp.api(), "other-name", base);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe("name");
    expect(res.body.error.message).toMatch(
      /"broken" differs from the policy named in the URL \("other-name"\)/,
    );
  });

  it("refuses a JSON body without {document}, and a body of another type", async () => {
    const unwrapped = await cp
      .api()
      .request("PUT", "/api/v1/policies/broken", { name: "broken", rules: [] });
    expect(unwrapped.status).toBe(400);
    expect(unwrapped.body.error.message).toMatch(/wrap the policy in \{"document": …\}/);
    const text = await cp.api().request("PUT", "/api/v1/policies/broken", "name: broken", {
      "content-type": "text/plain",
    });
    expect(text.status).toBe(400);
    expect(text.body.error.message).toMatch(/application\/yaml/);
  });

  it("prints each problem with its path from the CLI and stores nothing", async () => {
    const res = cli.run([
      "policy",
      "apply",
      "-f",
      file("ok.yaml", POLICY.replace("prod-engineers", "fine")),
      "-f",
      file("typo.yaml", base.replace("statements: [select]", "statements: [selct]")),
    ]);
    expect(res.status).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(
      /typo\.yaml: policy "broken" is invalid:\n {2}rules\[1\]\.match\.sql\.statements\[0\]: .*selct/,
    );
    expect(res.stderr).toMatch(/Nothing was applied/);
    expect((await cp.api().get("/api/v1/policies/fine")).status).toBe(404);
    expect((await cp.api().get("/api/v1/policies/broken")).status).toBe(404);
  });

  it("reports a YAML syntax error from the CLI with its line", () => {
    const res = cli.run(["policy", "apply", "-f", file("syntax.yaml", "name: x\nrules: [\n")]);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/syntax\.yaml:\n {2}line \d+, column \d+: /);
  });
});

describe("simulating decisions", () => {
  it("denies a DROP TABLE by the rule's id and allows a SELECT, for a user by their groups", async () => {
    const drop = await simulate(cp.api(), {
      user: "alice",
      connection: "pg-prod",
      command: "DROP TABLE users",
    });
    expect(drop.status).toBe(200);
    expect(drop.body.decision).toMatchObject({
      action: "deny",
      matchedRuleIds: ["prod-engineers/no-drops"],
    });
    expect(drop.body.decision.reasons.join(" ")).toMatch(/DROP is blocked on production/);
    expect(drop.body.subject).toEqual({
      user: "alice",
      groups: ["engineers", "oncall"],
      kind: "human",
    });
    expect(drop.body.connection).toEqual({ name: "pg-prod", tags: { env: "prod" } });
    expect(drop.body.policies).toEqual(["prod-engineers"]);
    expect(drop.body.facts.statements[0]).toMatchObject({ kind: "drop" });

    const select = await simulate(cp.api(), {
      user: "alice",
      connection: "pg-prod",
      command: "SELECT id, email FROM customers WHERE id = 1",
    });
    expect(select.body.decision).toMatchObject({
      action: "allow",
      matchedRuleIds: ["prod-engineers/reads"],
    });
    expect(select.body.facts.statements[0]).toMatchObject({
      kind: "select",
      relationsRead: ["public.customers"],
    });
  });

  it("decides for an explicit set of groups", async () => {
    const engineers = await simulate(cp.api(), {
      groups: ["engineers"],
      connection: "pg-prod",
      command: "select 1",
    });
    expect(engineers.body.decision.action).toBe("allow");
    const sales = await simulate(cp.api(), {
      groups: ["sales"],
      connection: "pg-prod",
      command: "select 1",
    });
    expect(sales.body.decision).toMatchObject({ action: "deny", matchedRuleIds: [] });
  });

  it("denies by default where no policy covers the connection or the user", async () => {
    const dev = await simulate(cp.api(), {
      user: "alice",
      connection: "pg-dev",
      command: "select 1",
    });
    expect(dev.body.decision).toMatchObject({ action: "deny", matchedRuleIds: [] });
    const sam = await simulate(cp.api(), {
      user: "sam",
      connection: "pg-prod",
      command: "select 1",
    });
    expect(sam.body.decision.action).toBe("deny");
  });

  it("refuses an unknown user or connection, naming the field", async () => {
    const user = await simulate(cp.api(), {
      user: "nobody",
      connection: "pg-prod",
      command: "select 1",
    });
    expect(user.status).toBe(400);
    expect(user.body.error).toMatchObject({ code: "invalid_input", field: "user" });
    const connection = await simulate(cp.api(), {
      groups: ["engineers"],
      connection: "pg-nope",
      command: "select 1",
    });
    expect(connection.status).toBe(400);
    expect(connection.body.error).toMatchObject({ code: "invalid_input", field: "connection" });
    const nobody = await simulate(cp.api(), { connection: "pg-prod", command: "select 1" });
    expect(nobody.status).toBe(400);
  });

  it("prints DENY with the rule id and the facts from `airlock policy test`, exit code 3", () => {
    const res = cli.run([
      "policy",
      "test",
      "--as",
      "alice",
      "--connection",
      "pg-prod",
      "--command",
      "DROP TABLE users",
    ]);
    expect(res.status).toBe(3);
    expect(res.stdout).toMatch(/^Decision:\s+DENY$/m);
    expect(res.stdout).toMatch(/^Matched rules:\s+prod-engineers\/no-drops$/m);
    expect(res.stdout).toMatch(/DROP is blocked on production/);
    expect(res.stdout).toMatch(/^1\s+drop\b.*public\.users/m);
  });

  it("prints ALLOW and the tables read for --groups, exit code 0", () => {
    const res = cli.run([
      "policy",
      "test",
      "--groups",
      "engineers,oncall",
      "--connection",
      "pg-prod",
      "--command",
      "select * from customers",
    ]);
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^Decision:\s+ALLOW$/m);
    expect(res.stdout).toMatch(/^Matched rules:\s+prod-engineers\/reads$/m);
    expect(res.stdout).toMatch(/^1\s+select\s+public\.customers\s+-\s+-\s+no$/m);
  });
});

describe("roles", () => {
  it("lets an auditor read and simulate but not change policies", async () => {
    const auditor = cp.api(auditorKey);
    expect((await auditor.get("/api/v1/policies")).status).toBe(200);
    expect((await auditor.get("/api/v1/policies/prod-engineers")).status).toBe(200);
    expect((await auditor.get("/api/v1/policies/prod-engineers/versions")).status).toBe(200);
    expect(
      (
        await simulate(auditor, {
          groups: ["engineers"],
          connection: "pg-prod",
          command: "select 1",
        })
      ).status,
    ).toBe(200);
    const put = await putYaml(auditor, "prod-engineers", POLICY);
    expect(put.status).toBe(403);
    expect(put.body.error.code).toBe("permission_denied");
    expect((await auditor.delete("/api/v1/policies/prod-engineers")).status).toBe(403);
    const viaCli = new Cli({ AIRLOCK_URL: cp.httpUrl, AIRLOCK_API_KEY: auditorKey }).run([
      "policy",
      "apply",
      "-f",
      file("auditor.yaml", POLICY),
    ]);
    expect(viaCli.status).toBe(1);
    expect(viaCli.stderr).toMatch(/permission denied/);
    expect((await cp.api().get("/api/v1/policies/prod-engineers")).body.currentVersion).toBe(2);
  });
});

describe("a second replica", () => {
  it("picks up a change made on another replica within a few seconds", async () => {
    replica = await ControlPlane.start({
      databaseUrl: db.url,
      adminKey: cp.options.adminKey,
      masterKey: cp.options.masterKey,
    });
    const ask = () =>
      simulate(replica!.api(), { groups: ["dba"], connection: "pg-dev", command: "select 1" });
    expect((await ask()).body.decision.action).toBe("deny");
    const dba = POLICY.replace("prod-engineers", "dev-dba")
      .replace("groups: [engineers]", "groups: [dba]")
      .replace("env: prod", "env: dev");
    expect((await putYaml(cp.api(), "dev-dba", dba)).status).toBe(200);
    await waitUntil(
      "the replica to allow with the new policy",
      async () => (await ask()).body.decision.action === "allow",
      10_000,
    );
    const res = await ask();
    expect(res.body.policies).toEqual(["dev-dba", "prod-engineers"]);
  });
});

describe("deleting", () => {
  it("deletes with the CLI: the policy no longer applies, and its history stays", async () => {
    const res = cli.run(["policy", "delete", "prod-engineers"]);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/Deleted policy "prod-engineers"/);

    const select = await simulate(cp.api(), {
      user: "alice",
      connection: "pg-prod",
      command: "select 1",
    });
    expect(select.body.decision).toMatchObject({ action: "deny", matchedRuleIds: [] });
    expect(select.body.policies).not.toContain("prod-engineers");

    const names = (await cp.api().get("/api/v1/policies")).body.items.map(
      (p: { name: string }) => p.name,
    );
    expect(names).not.toContain("prod-engineers");
    const get = await cp.api().get("/api/v1/policies/prod-engineers");
    expect(get.status).toBe(404);
    expect(get.body.error.message).toMatch(/was deleted \(version 3\)/);

    const versions = await cp.api().get("/api/v1/policies/prod-engineers/versions");
    expect(versions.body).toMatchObject({ currentVersion: 3, deleted: true });
    expect(versions.body.items[2]).toMatchObject({
      version: 3,
      deleted: true,
      author: { name: "admin" },
    });
    expect((await cp.api().get("/api/v1/policies/prod-engineers?version=2")).body.sourceText).toBe(
      CHANGED,
    );
    expect((await cp.api().delete("/api/v1/policies/prod-engineers")).status).toBe(404);
  });

  it("restores a deleted policy as its next version when it is applied again", async () => {
    const res = cli.run(["policy", "apply", "-f", file("restore.yaml", POLICY)]);
    expect(res.stdout).toBe("policy prod-engineers version 4\n");
    const select = await simulate(cp.api(), {
      user: "alice",
      connection: "pg-prod",
      command: "select 1",
    });
    expect(select.body.decision.action).toBe("allow");
  });
});
