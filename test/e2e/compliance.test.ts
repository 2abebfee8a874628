// The NIST SP 800-53 report end to end (docs/design/0010-audit.md, "Evidence and replay"):
// activity made through the API, the report read as an auditor in both formats (a user gets
// 403), the AC-6 gap "no review rules configured" shown until a policy with a review rule is
// applied, the OSCAL answer and the CLI's OSCAL file both valid against NIST's schema.
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { oscalErrors } from "../support/oscal-schema";
import { type Api, Cli, ControlPlane } from "./harness";

const REPORT = "/api/v1/compliance/nist-800-53";
const NO_REVIEW_RULES = "no review rules configured";

const readOnly = {
  name: "read-only",
  subjects: { groups: ["engineers"] },
  resources: { connections: ["*"] },
  rules: [{ id: "reads", match: { sql: { statements: ["select"] } }, action: "allow" }],
};

const reviewedWrites = {
  name: "reviewed-writes",
  subjects: { groups: ["engineers"] },
  resources: { connections: ["*"] },
  rules: [
    {
      id: "writes",
      match: { sql: { statements: ["insert", "update", "delete"] } },
      action: "review",
      review: { approvers: ["leads"] },
    },
  ],
};

let store: TestDatabase;
let cp: ControlPlane;
let admin: Api;
let auditor: Api;
let user: Api;
let auditorKey: string;
let userKey: string;
let dir: string;

async function createUser(body: Record<string, unknown>): Promise<void> {
  const res = await admin.post("/api/v1/users", body);
  expect(res.status, res.text).toBe(201);
}

async function keyFor(name: string): Promise<string> {
  const res = await admin.post("/api/v1/api-keys", { name: "k", user: name });
  expect(res.status, res.text).toBe(201);
  return res.body.key as string;
}

async function applyPolicy(document: { name: string }): Promise<void> {
  const res = await admin.request("PUT", `/api/v1/policies/${document.name}`, { document });
  expect(res.status, res.text).toBeLessThan(300);
}

function control(report: any, id: string): any {
  const found = (report.controls as any[]).find((c) => c.id === id);
  expect(found, id).toBeDefined();
  return found;
}

beforeAll(async () => {
  store = await createTestDatabase();
  cp = await ControlPlane.start({ databaseUrl: store.url });
  admin = cp.api();
  dir = mkdtempSync(path.join(tmpdir(), "airlock-compliance-"));
  await createUser({ name: "ana", role: "auditor" });
  await createUser({ name: "bob", role: "user", groups: ["engineers"] });
  await createUser({ name: "ci-agent", kind: "service_account", owner: "bob" });
  auditorKey = await keyFor("ana");
  auditor = cp.api(auditorKey);
  userKey = await keyFor("bob");
  user = cp.api(userKey);
  await keyFor("ci-agent");
  await applyPolicy(readOnly);
}, 90_000);

afterAll(async () => {
  await cp?.proc.stop();
  await store?.drop();
});

describe("GET /api/v1/compliance/nist-800-53", () => {
  it("answers an auditor with the nine controls, counts, samples and the chain's verification", async () => {
    const res = await auditor.get(REPORT);
    expect(res.status, res.text).toBe(200);
    const report = res.body;
    expect(report.controls.map((c: any) => c.id)).toEqual([
      "AC-2",
      "AC-6",
      "AU-2",
      "AU-3",
      "AU-6",
      "AU-9",
      "AU-12",
      "SC-7",
      "IR-4",
    ]);
    // Default period: the last 30 days up to now.
    const span = Date.parse(report.period.to) - Date.parse(report.period.from);
    expect(span).toBe(30 * 86_400_000);
    expect(Math.abs(Date.parse(report.period.to) - Date.now())).toBeLessThan(60_000);

    const ac2 = control(report, "AC-2");
    expect(ac2.counts.humans).toBeGreaterThanOrEqual(2);
    expect(ac2.counts.serviceAccounts).toBe(1);
    expect(ac2.counts.serviceAccountsWithoutOwner).toBe(0);
    expect(ac2.counts.apiKeysCreated).toBeGreaterThanOrEqual(3);
    expect(ac2.sampleEventIds.length).toBeGreaterThan(0);
    expect(control(report, "AU-2").enforced.join("\n")).toContain("user.created (");
    expect(control(report, "AU-12").counts["user.created"]).toBe(3);
    expect(control(report, "AC-6").counts.policiesInForce).toBe(1);
    // No connector registered here: the SC-7 gap says so.
    expect(control(report, "SC-7").gaps[0]).toMatch(/^no connector registered/);
    expect(report.counts).toMatchObject({ sessions: 0, denials: 0, connectors: 0 });
    expect(report.verification.ok, JSON.stringify(report.verification.problems)).toBe(true);
    expect(control(report, "AU-9").status).not.toBe("not-satisfied");
  });

  it("is for auditors and admins: a user gets 403, no key 401", async () => {
    expect((await user.get(REPORT)).status).toBe(403);
    expect((await user.get(`${REPORT}?format=oscal`)).status).toBe(403);
    expect((await cp.api(null).get(REPORT)).status).toBe(401);
    expect((await admin.get(REPORT)).status).toBe(200);
  });

  it("refuses a bad period or format, naming the field", async () => {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const reversed = await auditor.get(`${REPORT}?from=${iso(now)}&to=${iso(now - 1000)}`);
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.message).toContain("query.from: must be before to");
    const long = await auditor.get(`${REPORT}?from=${iso(now - 401 * 86_400_000)}&to=${iso(now)}`);
    expect(long.status).toBe(400);
    expect(long.body.error.message).toContain("at most 400 days");
    const format = await auditor.get(`${REPORT}?format=xml`);
    expect(format.status).toBe(400);
    expect(format.body.error.field).toBe("format");
    expect((await auditor.get(`${REPORT}?from=yesterday`)).status).toBe(400);
  });

  it("shows the AC-6 gap 'no review rules configured' until a policy has a review rule", async () => {
    const before = (await auditor.get(REPORT)).body;
    for (const id of ["AC-6", "IR-4"]) {
      const c = control(before, id);
      expect(c.status).not.toBe("satisfied");
      expect(
        c.gaps.some((g: string) => g.startsWith(NO_REVIEW_RULES)),
        id,
      ).toBe(true);
    }

    await applyPolicy(reviewedWrites);
    const after = (await auditor.get(REPORT)).body;
    const ac6 = control(after, "AC-6");
    expect(ac6.gaps.some((g: string) => g.startsWith(NO_REVIEW_RULES))).toBe(false);
    expect(ac6.counts.reviewRules).toBe(1);
    expect(ac6.counts.policiesInForce).toBe(2);
    expect(control(after, "IR-4").gaps).toEqual([]);
    // The policy change itself is evidence for AC-6.
    expect(control(after, "AU-12").counts["policy.changed"]).toBeGreaterThanOrEqual(2);
  });

  it("format=oscal: an OSCAL Assessment Results document that validates against NIST's schema", async () => {
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const res = await auditor.get(`${REPORT}?format=oscal&from=${from}`);
    expect(res.status, res.text).toBe(200);
    expect(oscalErrors(res.body)).toEqual([]);
    const result = res.body["assessment-results"].results[0];
    expect(Date.parse(result.start)).toBe(Date.parse(from));
    expect(result.findings).toHaveLength(9);
    const ac6 = result.findings.find((f: any) => f.target["target-id"] === "ac-6_obj");
    expect(ac6.target.status.state).toBeDefined();
  });
});

describe("airlock compliance report", () => {
  const cli = () => new Cli({ AIRLOCK_URL: cp.httpUrl, AIRLOCK_API_KEY: auditorKey });

  it("--format oscal -o FILE writes a document that validates against NIST's schema", () => {
    const file = path.join(dir, "sar.json");
    const res = cli().run([
      "compliance",
      "report",
      "--from",
      "7d",
      "--format",
      "oscal",
      "-o",
      file,
    ]);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain(file);
    const document = JSON.parse(readFileSync(file, "utf8"));
    expect(oscalErrors(document)).toEqual([]);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    const result = document["assessment-results"].results[0];
    const days = (Date.parse(result.end) - Date.parse(result.start)) / 86_400_000;
    expect(Math.round(days)).toBe(7);
  });

  it("prints a summary of each control's status and gaps", () => {
    const res = cli().run(["compliance", "report"]);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^CONTROL\s+STATUS\s+GAPS$/m);
    expect(res.stdout).toMatch(/^AC-6 Least Privilege\s+(satisfied|partially-satisfied)/m);
    expect(res.stdout).toMatch(
      /^SC-7 Boundary Protection\s+partially-satisfied\s+no connector registered/m,
    );
    expect(res.stdout).toContain("audit chain verified");
  });

  it("-o FILE with json writes Airlock's report; a user is refused", () => {
    const file = path.join(dir, "report.json");
    const res = cli().run(["compliance", "report", "-o", file]);
    expect(res.status, res.stderr).toBe(0);
    const report = JSON.parse(readFileSync(file, "utf8"));
    expect(report.framework).toBe("NIST SP 800-53 Rev. 5");
    expect(report.controls).toHaveLength(9);
    expect(report.controls[0].counts).toBeDefined();

    const bad = cli().run(["compliance", "report", "--from", "soon"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--from");

    const asUser = new Cli({ AIRLOCK_URL: cp.httpUrl, AIRLOCK_API_KEY: userKey });
    const refused = asUser.run(["compliance", "report"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/permission|role|denied/i);
  });
});
