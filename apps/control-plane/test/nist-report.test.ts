// The NIST SP 800-53 report (pure): each control's status and gaps follow from the facts,
// and its OSCAL form validates against NIST's Assessment Results schema (vendor/oscal/).
// "OSCAL-validation" is the acceptance test; a broken document must fail the same check,
// which proves the validator is really applied.
import type { PolicyDocument } from "@airlock/policy-core";
import { describe, expect, it } from "vitest";
import type { VerifyResult } from "../src/audit/audit-verifier";
import { type ComplianceFacts, policyFacts } from "../src/compliance/compliance-facts";
import {
  buildNistReport,
  CONTROL_IDS,
  type ControlId,
  type NistReport,
} from "../src/compliance/nist-report";
import { OSCAL_VERSION, toOscal } from "../src/compliance/oscal";
import { oscalErrors, oscalSchemaIds } from "../../../test/support/oscal-schema";

const PERIOD = {
  from: new Date("2026-11-01T00:00:00Z"),
  to: new Date("2026-12-01T00:00:00Z"),
  at: new Date("2026-12-01T00:00:05.123Z"),
};

const reviewPolicy: PolicyDocument = {
  name: "prod-writes",
  subjects: { groups: ["engineers"] },
  resources: { tags: { env: "prod" } },
  rules: [
    { id: "reads", match: { sql: { statements: ["select"] } }, action: "allow" },
    {
      id: "writes",
      match: { sql: { statements: ["update", "delete"] } },
      action: "review",
      review: { approvers: ["leads"] },
    },
    { id: "no-drop", match: { sql: { statements: ["drop"] } }, action: "deny" },
  ],
  mask: [{ columns: ["*.email"], strategy: "redact" }],
};

const elevationPolicy: PolicyDocument = {
  name: "dba-elevation",
  subjects: { groups: ["engineers"] },
  resources: { connections: ["*"] },
  rules: [{ id: "all", match: {}, action: "allow" }],
  elevation: { role: "dba", approvers: ["leads"] },
};

const readOnly: PolicyDocument = {
  name: "read-only",
  subjects: { groups: ["engineers"] },
  resources: { connections: ["*"] },
  rules: [{ id: "reads", match: { sql: { statements: ["select"] } }, action: "allow" }],
};

function facts(over: Partial<ComplianceFacts> = {}): ComplianceFacts {
  return {
    sessions: { started: 4, byStatus: { closed: 3, failed: 1 }, endedOnRevocation: 1 },
    commands: { total: 10, allow: 7, deny: 2, review: 1 },
    reviews: {
      requested: 2,
      approved: 1,
      rejected: 1,
      expired: 0,
      cancelled: 0,
      executed: 1,
      pending: 0,
      breakGlass: 0,
    },
    grants: { issued: 1, active: 0, expired: 1, revoked: 0, activeNow: 0 },
    masking: { values: 5, byEntity: { EMAIL: 3, COLUMN: 2 }, commands: 2 },
    connectors: { total: 1, online: 1, offline: 0, neverConnected: 0 },
    connections: { total: 2, byType: { postgres: 2 } },
    users: {
      humans: 3,
      serviceAccounts: 1,
      serviceAccountsWithoutOwner: 0,
      disabled: 0,
      byRole: { admin: 1, auditor: 1, user: 2 },
      createdInPeriod: 2,
    },
    apiKeys: {
      active: 2,
      revoked: 1,
      expired: 0,
      activeWithoutExpiry: 0,
      createdInPeriod: 2,
      revokedInPeriod: 1,
    },
    audit: {
      events: 26,
      byCode: {
        "auth.login": 2,
        "session.started": 4,
        "session.ended": 4,
        "command.allow": 7,
        "command.deny": 2,
        "command.review": 1,
        "review.approved": 1,
        "review.rejected": 1,
        "grant.issued": 1,
        "grant.expired": 1,
        "audit.exported": 2,
      },
      sinks: 0,
    },
    samples: {
      "command.deny": ["41", "17"],
      "command.allow": ["40", "39", "38", "37"],
      "session.started": ["12"],
      "auth.login": ["3"],
      "audit.exported": ["50"],
      "grant.issued": ["30"],
    },
    policies: policyFacts([reviewPolicy, elevationPolicy]),
    ...over,
  };
}

function verified(over: Partial<VerifyResult> = {}): VerifyResult {
  return {
    ok: true,
    from: PERIOD.from.toISOString(),
    to: PERIOD.to.toISOString(),
    firstSeq: "1",
    lastSeq: "26",
    events: 26,
    checkpoints: 3,
    lastCheckpoint: { seq: "25", at: "2026-11-30T23:59:50.000Z" },
    problems: [],
    ...over,
  };
}

function control(report: NistReport, id: ControlId) {
  const found = report.controls.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no ${id}`);
  return found;
}

describe("policyFacts", () => {
  it("lists review and deny rules as policy/rule, elevation roles and masking policies", () => {
    expect(policyFacts([reviewPolicy, elevationPolicy, readOnly])).toEqual({
      names: ["dba-elevation", "prod-writes", "read-only"],
      reviewRules: ["prod-writes/writes"],
      denyRules: ["prod-writes/no-drop"],
      elevationRoles: ["dba"],
      maskingPolicies: ["prod-writes"],
    });
  });
});

describe("buildNistReport", () => {
  it("covers the nine controls in order, each with what was enforced and counts", () => {
    const report = buildNistReport(facts(), verified(), PERIOD);
    expect(report.controls.map((c) => c.id)).toEqual([...CONTROL_IDS]);
    for (const c of report.controls) {
      expect(c.enforced.length, c.id).toBeGreaterThan(0);
      expect(Object.keys(c.counts).length, c.id).toBeGreaterThan(0);
    }
    expect(report.period).toEqual({
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-12-01T00:00:00.000Z",
    });
    expect(report.counts).toMatchObject({
      sessions: 4,
      denials: 2,
      approvals: 1,
      jitGrants: 1,
      maskedValues: 5,
      connectors: 1,
    });
    expect(report.maskedValuesByEntity).toEqual({ EMAIL: 3, COLUMN: 2 });
    expect(report.verification.ok).toBe(true);
  });

  it("with good facts every control is satisfied and has no gap", () => {
    const report = buildNistReport(facts(), verified(), PERIOD);
    expect(report.controls.filter((c) => c.gaps.length > 0)).toEqual([]);
    expect(report.summary).toEqual({
      satisfied: 9,
      "partially-satisfied": 0,
      "not-satisfied": 0,
    });
  });

  it("no review rule: the gap 'no review rules configured' under AC-6 and IR-4", () => {
    const report = buildNistReport(
      facts({ policies: policyFacts([readOnly, elevationPolicy]) }),
      verified(),
      PERIOD,
    );
    for (const id of ["AC-6", "IR-4"] as const) {
      const c = control(report, id);
      expect(c.status, id).toBe("partially-satisfied");
      expect(
        c.gaps.some((g) => g.startsWith("no review rules configured")),
        id,
      ).toBe(true);
    }
    expect(control(report, "AU-2").gaps).toEqual([]);
  });

  it("no policy at all: AC-6 names every missing piece", () => {
    const gaps = control(
      buildNistReport(facts({ policies: policyFacts([]) }), verified(), PERIOD),
      "AC-6",
    ).gaps;
    expect(gaps.map((g) => g.split(":")[0])).toEqual([
      "no policies in force",
      "no review rules configured",
      "no elevation policies configured",
    ]);
  });

  it("a failed chain verification makes AU-9 not satisfied, naming each problem", () => {
    const report = buildNistReport(
      facts(),
      verified({
        ok: false,
        problems: [
          { kind: "edited", seq: "7", id: "7", message: "event 7 no longer gives its hash" },
          { kind: "deleted", seq: "9", id: null, message: "seq 9 is missing" },
        ],
      }),
      PERIOD,
    );
    const au9 = control(report, "AU-9");
    expect(au9.status).toBe("not-satisfied");
    expect(au9.gaps).toEqual([
      "chain verification failed (edited at seq 7): event 7 no longer gives its hash",
      "chain verification failed (deleted at seq 9): seq 9 is missing",
    ]);
    expect(au9.counts["problems"]).toBe(2);
    expect(report.summary["not-satisfied"]).toBe(1);
  });

  it("no signed checkpoint yet: AU-9 partially satisfied", () => {
    const au9 = control(
      buildNistReport(facts(), verified({ lastCheckpoint: null }), PERIOD),
      "AU-9",
    );
    expect(au9.status).toBe("partially-satisfied");
    expect(au9.gaps[0]).toMatch(/^no signed checkpoint yet/);
  });

  it("no connector online: an SC-7 gap; none registered: another", () => {
    const offline = buildNistReport(
      facts({ connectors: { total: 2, online: 0, offline: 1, neverConnected: 1 } }),
      verified(),
      PERIOD,
    );
    expect(control(offline, "SC-7").gaps).toEqual([
      "no connector online now (2 connectors registered): sessions cannot reach their targets",
    ]);
    const none = buildNistReport(
      facts({ connectors: { total: 0, online: 0, offline: 0, neverConnected: 0 } }),
      verified(),
      PERIOD,
    );
    expect(control(none, "SC-7").gaps[0]).toMatch(/^no connector registered/);
  });

  it("AC-2: service accounts without an owner and keys that never expire are gaps", () => {
    const base = facts();
    const report = buildNistReport(
      facts({
        users: { ...base.users, serviceAccountsWithoutOwner: 2 },
        apiKeys: { ...base.apiKeys, activeWithoutExpiry: 1 },
      }),
      verified(),
      PERIOD,
    );
    const ac2 = control(report, "AC-2");
    expect(ac2.status).toBe("partially-satisfied");
    expect(ac2.gaps[0]).toMatch(/^2 service accounts without an owner/);
    expect(ac2.gaps[1]).toBe("1 active API key has no expiry: replace it with keys that expire");
  });

  it("AU-6: no export and no push sink is a gap", () => {
    const base = facts();
    const report = buildNistReport(
      facts({ audit: { ...base.audit, byCode: { "auth.login": 1 }, events: 1 } }),
      verified(),
      PERIOD,
    );
    expect(control(report, "AU-6").gaps[0]).toMatch(/^the audit trail was not exported/);
    const withSink = buildNistReport(
      facts({ audit: { ...base.audit, byCode: { "auth.login": 1 }, events: 1, sinks: 1 } }),
      verified(),
      PERIOD,
    );
    expect(control(withSink, "AU-6").gaps).toEqual([]);
  });

  it("AU-12: commands or sessions recorded without their audit event are gaps", () => {
    const base = facts();
    const report = buildNistReport(
      facts({
        audit: { ...base.audit, byCode: { ...base.audit.byCode, "command.allow": 5 } },
      }),
      verified(),
      PERIOD,
    );
    expect(control(report, "AU-12").gaps).toEqual([
      "2 recorded commands without a command.* audit event",
    ]);
  });

  it("AU-2 lists the codes recorded; AU-12 counts events per code", () => {
    const report = buildNistReport(facts(), verified(), PERIOD);
    expect(control(report, "AU-2").enforced.join("\n")).toContain("command.deny (2)");
    expect(control(report, "AU-12").counts["command.allow"]).toBe(7);
    expect(
      control(
        buildNistReport(facts({ audit: { events: 0, byCode: {}, sinks: 0 } }), verified(), PERIOD),
        "AU-2",
      ).gaps,
    ).toEqual(["no audit event was recorded in the period"]);
  });

  it("samples the audit events of each control's codes", () => {
    const report = buildNistReport(facts(), verified(), PERIOD);
    expect(control(report, "AC-6").sampleEventIds).toEqual(["41", "17", "30"]);
    expect(control(report, "AU-3").sampleEventIds).toEqual(["40", "39", "38", "41", "17", "12"]);
    // One per code recorded.
    expect(control(report, "AU-2").sampleEventIds).toEqual(["50", "3", "40", "41", "30", "12"]);
  });
});

describe("toOscal", () => {
  it("the vendored schema is NIST's OSCAL 1.1.x Assessment Results schema, draft-07", () => {
    const ids = oscalSchemaIds();
    expect(ids.draft).toBe("http://json-schema.org/draft-07/schema#");
    expect(ids.id).toBe(`http://csrc.nist.gov/ns/oscal/${OSCAL_VERSION}/oscal-ar-schema.json`);
  });

  it("OSCAL-validation: the document validates against the OSCAL schema", () => {
    for (const report of [
      buildNistReport(facts(), verified(), PERIOD),
      buildNistReport(
        facts({
          policies: policyFacts([]),
          samples: {},
          connectors: { total: 0, online: 0, offline: 0, neverConnected: 0 },
        }),
        verified({
          ok: false,
          lastCheckpoint: null,
          firstSeq: null,
          lastSeq: null,
          problems: [{ kind: "unsealed", seq: null, id: null, message: "2 event(s)\nunsealed " }],
        }),
        PERIOD,
      ),
    ]) {
      const doc = toOscal(report, { airlockVersion: "0.1.0" });
      expect(oscalErrors(doc)).toEqual([]);
    }
  });

  it("a broken document fails the same validation", () => {
    const doc = toOscal(buildNistReport(facts(), verified(), PERIOD), { airlockVersion: "0.1.0" });
    const ar = doc["assessment-results"] as any;
    const missing = structuredClone(doc) as any;
    delete missing["assessment-results"].metadata["oscal-version"];
    expect(oscalErrors(missing).join("\n")).toContain("oscal-version");

    const badState = structuredClone(doc) as any;
    badState["assessment-results"].results[0].findings[0].target.status.state = "partially";
    expect(oscalErrors(badState)).not.toEqual([]);

    const badUuid = structuredClone(doc) as any;
    badUuid["assessment-results"].uuid = "not-a-uuid";
    expect(oscalErrors(badUuid)).not.toEqual([]);

    const extra = structuredClone(doc) as any;
    extra["assessment-results"].results[0].gaps = ["unknown field"];
    expect(oscalErrors(extra)).not.toEqual([]);
    expect(ar.results).toHaveLength(1);
  });

  it("maps each control to a finding and an observation", () => {
    const report = buildNistReport(
      facts({ policies: policyFacts([readOnly]) }),
      verified(),
      PERIOD,
    );
    const ar = toOscal(report, { airlockVersion: "0.1.0" })["assessment-results"] as any;
    expect(ar.metadata["oscal-version"]).toBe(OSCAL_VERSION);
    const result = ar.results[0];
    expect(result.start).toBe("2026-11-01T00:00:00.000Z");
    expect(result.end).toBe("2026-12-01T00:00:00.000Z");
    expect(
      result["reviewed-controls"]["control-selections"][0]["include-controls"].map(
        (c: any) => c["control-id"],
      ),
    ).toEqual(CONTROL_IDS.map((id) => id.toLowerCase()));
    expect(result.findings).toHaveLength(9);
    expect(result.observations).toHaveLength(9);
    const ac6 = result.findings.find((f: any) => f.target["target-id"] === "ac-6_obj");
    expect(ac6.target.status.state).toBe("not-satisfied");
    expect(ac6.target.status.remarks).toContain("no review rules configured");
    expect(ac6.target["implementation-status"].state).toBe("partial");
    const au3 = result.findings.find((f: any) => f.target["target-id"] === "au-3_obj");
    expect(au3.target.status).toEqual({ state: "satisfied", reason: "pass" });
    const observation = result.observations.find(
      (o: any) => o.uuid === ac6["related-observations"][0]["observation-uuid"],
    );
    expect(observation.title).toMatch(/^AC-6 Least Privilege/);
    const uuids = JSON.stringify(ar).match(
      /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g,
    );
    expect(uuids?.length).toBeGreaterThan(18);
  });
});
