// The SIEM formats of audit events (docs/design/0010-audit.md, "Export (pull)"): one sample
// event of every code in the design note becomes a valid OCSF event of the right class, the
// Security Control disposition says what the control did, service accounts are marked, and
// the CEF lines escape what they must and keep their signature ids.
import { describe, expect, it } from "vitest";
import { parseCef } from "../../../test/support/cef";
import { AUDIT_CODES, blankEvent, type SealedAuditEvent } from "../src/audit/audit-event";
import {
  CEF_FALLBACK_SIGNATURE_ID,
  CEF_SIGNATURE_IDS,
  cefSignatureId,
  datastoreActivityOf,
  KNOWN_CODES,
  OCSF_VERSION,
  toCef,
  toJsonl,
  toOcsf,
} from "../src/export/ocsf";
import { missingRequired } from "../src/export/ocsf-required";

const CTX = { productVersion: "0.1.0" };
const SESSION = "5f0c8d4e-1c2b-4a3d-9e8f-0a1b2c3d4e5f";
const ALICE = { actorId: "11111111-1111-4111-8111-111111111111", actorName: "alice" };

/** The design note's code list (docs/design/0010-audit.md, "The event"). */
const DESIGN_CODES = AUDIT_CODES;

let nextId = 1n;

function sealed(
  code: string,
  outcome: string,
  over: Partial<SealedAuditEvent> = {},
): SealedAuditEvent {
  const id = nextId++;
  return {
    ...blankEvent(
      { id, code, outcome, at: new Date("2026-12-01T10:00:00.123Z") },
      { actorId: ALICE.actorId, actorName: ALICE.actorName, actorKind: "human" },
    ),
    seq: id + 1000n,
    prevHash: Buffer.alloc(32, 1),
    hash: Buffer.alloc(32, 2),
    ...over,
  };
}

const inSession = {
  sessionId: SESSION,
  correlationId: SESSION,
  connectionName: "pg-prod",
  connectorName: "dc-1",
  sourceAddress: "10.1.2.3:53122",
};

/** One realistic sample per code, with the outcome and fields its writer sets. */
function sample(code: (typeof DESIGN_CODES)[number]): SealedAuditEvent {
  const review = { reviewId: "rv-0123456789", correlationId: "rv-0123456789" };
  switch (code) {
    case "auth.login":
      return sealed(code, "succeeded", { data: { method: "oidc", loginSessionId: "ls-1" } });
    case "auth.logout":
      return sealed(code, "succeeded", { data: { loginSessionId: "ls-1" } });
    case "auth.refresh_reuse":
      return sealed(code, "denied", { data: { loginSessionId: "ls-1" } });
    case "auth.idp_revoked":
      return sealed(code, "revoked", { data: { reason: "the IdP refused the refresh" } });
    case "session.started":
      return sealed(code, "started", inSession);
    case "session.ended":
      return sealed(code, "ended", inSession);
    case "session.refused":
      return sealed(code, "denied", {
        connectionName: "pg-prod",
        data: { reason: "api_key_connections", allowed: ["pg-dev"] },
      });
    case "command.allow":
      return sealed(code, "allowed", {
        ...inSession,
        command: "SELECT * FROM orders",
        ruleIds: ["base/allow-reads"],
        data: { commandSeq: 1, protocol: "simple", reasons: [] },
      });
    case "command.deny":
      return sealed(code, "denied", {
        ...inSession,
        command: "DROP TABLE orders",
        ruleIds: ["base/no-ddl"],
        data: { commandSeq: 2, protocol: "simple", reasons: ["DDL is not allowed"] },
      });
    case "command.review":
      return sealed(code, "held", {
        ...inSession,
        command: "DELETE FROM orders WHERE id = 7",
        ruleIds: ["base/review-writes", "pii/review-deletes"],
        data: { commandSeq: 3, protocol: "extended", reasons: [] },
      });
    case "command.masked":
      return sealed(code, "masked", {
        ...inSession,
        command: "SELECT email FROM users",
        ruleIds: ["pii/mask-email"],
        data: { commandSeq: 4, counts: { EMAIL: 12 } },
      });
    case "connector.masking_violation":
      return sealed(code, "masked", {
        sessionId: SESSION,
        connectionName: "pg-prod",
        data: { connector: "dc-1", connectorId: "c-1", counts: { EMAIL: 1 } },
      });
    case "review.requested":
      return sealed(code, "pending", {
        ...inSession,
        ...review,
        data: { kind: "command", ruleId: "base/review-writes" },
      });
    case "review.vote":
      return sealed(code, "approve", { ...review, data: { reason: "ok", approvals: 1 } });
    case "review.approved":
      return sealed(code, "approved", { ...review, data: { approvals: 1 } });
    case "review.rejected":
      return sealed(code, "rejected", { ...review, data: { reason: "not now" } });
    case "review.expired":
      return sealed(code, "expired", {
        ...review,
        actorId: null,
        actorName: null,
        actorKind: null,
      });
    case "review.cancelled":
      return sealed(code, "cancelled", review);
    case "review.executed":
      return sealed(code, "executed", { ...review, ...inSession, command: "DELETE FROM t" });
    case "grant.requested":
      return sealed(code, "pending", {
        ...review,
        connectionName: "pg-prod",
        data: { grantRole: "writer", grantPolicies: ["writers"], connectionName: "pg-prod" },
      });
    case "grant.issued":
      return sealed(code, "active", {
        ...review,
        grantId: "gr-0123456789",
        actorId: null,
        actorName: null,
        actorKind: null,
        connectionName: "pg-prod",
        data: { user: "bob", role: "writer", policies: ["writers"], expiresAt: "x" },
      });
    case "grant.expired":
      return sealed(code, "expired", {
        ...review,
        grantId: "gr-0123456789",
        data: { role: "writer", userId: "22222222-2222-4222-8222-222222222222" },
      });
    case "grant.revoked":
      return sealed(code, "revoked", {
        ...review,
        grantId: "gr-0123456789",
        data: { role: "writer", reason: "done", userId: "22222222-2222-4222-8222-222222222222" },
      });
    case "policy.changed":
      return sealed(code, "changed", { data: { name: "base", version: 2, previousVersion: 1 } });
    case "policy.deleted":
      return sealed(code, "deleted", { data: { name: "base", version: 3, previousVersion: 2 } });
    case "connection.created":
    case "connection.changed":
    case "connection.deleted":
      return sealed(code, code.split(".")[1] as string, {
        connectionName: "pg-prod",
        data: { name: "pg-prod" },
      });
    case "connector.created":
    case "connector.deleted":
      return sealed(code, code.split(".")[1] as string, {
        connectorName: "dc-1",
        data: { name: "dc-1", id: "c-1" },
      });
    case "connector.token_created":
      return sealed(code, "created", { connectorName: "dc-1", data: { connector: "dc-1" } });
    case "connector.token_revoked":
      return sealed(code, "revoked", { connectorName: "dc-1", data: { connector: "dc-1" } });
    case "connector.connected":
    case "connector.disconnected":
      return sealed(code, code.split(".")[1] as string, {
        actorId: null,
        actorName: null,
        actorKind: null,
        connectorName: "dc-1",
        sourceAddress: "203.0.113.9",
      });
    case "api_key.created":
    case "api_key.revoked":
      return sealed(code, code.split(".")[1] as string, { data: { id: "k-1", name: "ci" } });
    case "api_key.rotated":
      return sealed(code, "changed", { data: { id: "k-2", name: "ci", previousId: "k-1" } });
    case "user.created":
      return sealed(code, "created", {
        data: { id: "u-3", name: "agent-7", kind: "service_account", role: "user", groups: [] },
      });
    case "user.changed":
      return sealed(code, "changed", {
        data: { id: "u-3", name: "agent-7", changed: ["role"], from: {}, to: {} },
      });
    case "audit.exported":
      return sealed(code, "succeeded", {
        data: { format: "ocsf", fromSeq: "1", toSeq: "10", count: 10 },
      });
    case "audit.retention":
      return sealed(code, "deleted", { actorId: null, actorName: null, actorKind: null });
    case "audit.sink_created":
    case "audit.sink_deleted":
    case "webhook.created":
    case "webhook.deleted":
      return sealed(code, code.endsWith("created") ? "created" : "deleted", {
        data: { id: "s-1", name: "siem", origin: "https://siem.example.com" },
      });
  }
}

/** The class the design note names for each code. */
function expectedClass(code: string): number {
  if (code === "connector.masking_violation") return 6005;
  const area = code.split(".")[0];
  if (area === "auth") return 3002;
  if (area === "session" || area === "command") return 6005;
  if (area === "user" || area === "review" || area === "grant") return 3005;
  return 6003;
}

describe("toOcsf", () => {
  it("knows every code of the design note, and no other", () => {
    expect([...KNOWN_CODES].sort()).toEqual([...DESIGN_CODES].sort());
  });

  it.each(DESIGN_CODES)("%s → a valid OCSF event of its class", (code) => {
    const e = sample(code);
    const ocsf = toOcsf(e, CTX);
    expect(missingRequired(ocsf)).toEqual([]);
    expect(ocsf.class_uid).toBe(expectedClass(code));
    expect(ocsf.category_uid).toBe(Math.floor(ocsf.class_uid / 1000));
    expect(ocsf.type_uid).toBe(ocsf.class_uid * 100 + ocsf.activity_id);
    expect(ocsf.time).toBe(e.at.getTime());
    expect(ocsf.metadata).toMatchObject({
      version: OCSF_VERSION,
      product: { name: "Airlock", vendor_name: "Airlock", version: "0.1.0" },
      uid: e.seq.toString(),
      event_code: code,
      log_name: "audit",
    });
    if (e.correlationId !== null) expect(ocsf.metadata.correlation_uid).toBe(e.correlationId);
    expect(typeof ocsf.disposition_id).toBe("number");
    expect(typeof ocsf.disposition).toBe("string");
    expect(ocsf.status_detail).toBe(e.outcome);
    expect(ocsf["unmapped"]).toMatchObject({
      airlock: { code, seq: e.seq.toString(), hash: "02".repeat(32) },
    });
    // What a datastore event was about: the exact statement.
    if (e.command !== null && ocsf.class_uid === 6005)
      expect(ocsf["query_info"]).toMatchObject({ query_string: e.command });
    // Valid JSON all the way down (no bigint, no undefined).
    expect(JSON.parse(JSON.stringify(ocsf))).toEqual(ocsf);
  });

  it("reports what a missing attribute is", () => {
    const ocsf = toOcsf(sample("command.deny"), CTX) as Record<string, unknown>;
    const broken = { ...ocsf, src_endpoint: undefined, database: undefined, time: undefined };
    expect(missingRequired(broken)).toEqual([
      "time",
      "src_endpoint",
      "one of database, databucket, table",
    ]);
    expect(missingRequired({ ...ocsf, user: undefined, class_uid: 3002 })).toContain("user");
    expect(missingRequired({ ...ocsf, api: { version: "v1" }, class_uid: 6003 })).toContain(
      "api.operation",
    );
  });

  it("says what the security control did: allowed, blocked, held, approved, rejected", () => {
    const disposition = (code: (typeof DESIGN_CODES)[number]) => {
      const o = toOcsf(sample(code), CTX);
      return [o.disposition_id, o.disposition, o.action_id];
    };
    expect(disposition("command.allow")).toEqual([1, "Allowed", 1]);
    expect(disposition("command.deny")).toEqual([2, "Blocked", 2]);
    expect(disposition("session.refused")).toEqual([2, "Blocked", 2]);
    expect(disposition("command.review")).toEqual([14, "Delayed", 99]);
    expect(disposition("review.approved")).toEqual([8, "Approved", 1]);
    expect(disposition("review.vote")).toEqual([8, "Approved", 1]);
    expect(disposition("review.rejected")).toEqual([25, "Rejected", 2]);
    expect(disposition("grant.revoked")).toEqual([24, "Access Revoked", 2]);
    expect(disposition("auth.refresh_reuse")).toEqual([24, "Access Revoked", 2]);
    expect(disposition("command.masked")).toEqual([99, "Masked", 4]);
    expect(disposition("session.ended")).toEqual([17, "Logged", 3]);
    const failed = toOcsf(sealed("auth.login", "failed", { actorId: null }), CTX);
    expect([failed.disposition, failed.status_id, failed.status]).toEqual([
      "Unauthorized",
      2,
      "Failure",
    ]);
  });

  it("names the matching rules as the policy, one authorization each", () => {
    const o = toOcsf(sample("command.review"), CTX);
    expect(o["policy"]).toEqual({
      uid: "base/review-writes,pii/review-deletes",
      name: "base,pii",
    });
    expect(o["authorizations"]).toEqual([
      { decision: "Delayed", policy: { uid: "base/review-writes", name: "base" } },
      { decision: "Delayed", policy: { uid: "pii/review-deletes", name: "pii" } },
    ]);
    expect(toOcsf(sample("policy.changed"), CTX)["policy"]).toBeUndefined();
  });

  it("classifies statements by their first keyword", () => {
    expect(datastoreActivityOf("  select 1")).toBe(4);
    expect(datastoreActivityOf("-- why\n/* c */ INSERT INTO t VALUES (1)")).toBe(5);
    expect(datastoreActivityOf("UPDATE t SET a = 1")).toBe(2);
    expect(datastoreActivityOf("delete from t")).toBe(7);
    expect(datastoreActivityOf("CREATE TABLE t (a int)")).toBe(6);
    expect(datastoreActivityOf("WITH x AS (DELETE FROM t RETURNING *) SELECT 1")).toBe(4);
    expect(datastoreActivityOf(null)).toBe(4);
    const o = toOcsf(sample("command.deny"), CTX); // DROP TABLE
    expect([o.activity_id, o.type_uid, o.activity_name]).toEqual([7, 600507, "Delete"]);
  });

  it("marks service accounts (AI agents) and names their owner", () => {
    const agent = sealed("command.allow", "allowed", {
      ...inSession,
      actorId: "33333333-3333-4333-8333-333333333333",
      actorName: "agent-7",
      actorKind: "service_account",
      command: "SELECT 1",
    });
    const owners = new Map([[agent.actorId as string, { id: ALICE.actorId, name: "alice" }]]);
    const o = toOcsf(agent, { ...CTX, owners });
    expect(o["actor"]).toEqual({
      user: { uid: agent.actorId, name: "agent-7", type_id: 4, type: "Service" },
      session: { uid: SESSION },
    });
    expect(o["unmapped"]).toMatchObject({
      airlock: { actor_kind: "service_account", owner: { uid: ALICE.actorId, name: "alice" } },
    });
    const human = toOcsf(sample("command.allow"), { ...CTX, owners });
    expect(human["actor"]).toMatchObject({ user: { type_id: 1, type: "User" } });
    expect((human["unmapped"] as { airlock: object }).airlock).not.toHaveProperty("owner");
  });

  it("describes logins: the user, the service, OpenID", () => {
    const o = toOcsf(sample("auth.login"), CTX);
    expect(o).toMatchObject({
      class_uid: 3002,
      activity_id: 1,
      type_uid: 300201,
      user: { uid: ALICE.actorId, name: "alice", type_id: 1 },
      service: { name: "Airlock" },
      auth_protocol_id: 4,
      auth_protocol: "OpenID",
      session: { uid: "ls-1" },
      status_id: 1,
      disposition: "Allowed",
    });
  });

  it("speaks for the control plane when no one acted", () => {
    const o = toOcsf(sample("audit.retention"), CTX);
    expect(o["actor"]).toEqual({
      app_name: "Airlock control plane",
      user: { name: "airlock", type_id: 3, type: "System" },
    });
    expect(o["src_endpoint"]).toEqual({ svc_name: "airlock-control-plane" });
  });

  it("keeps 64-bit seqs exact and the source address parsed", () => {
    const big = 9_223_372_036_854_775_807n;
    const o = toOcsf(sealed("session.started", "started", { ...inSession, seq: big }), CTX);
    expect(o.metadata.uid).toBe("9223372036854775807");
    expect(o["src_endpoint"]).toEqual({ ip: "10.1.2.3", port: 53122 });
    const v6 = toOcsf(sealed("session.started", "started", { sourceAddress: "[::1]:5432" }), CTX);
    expect(v6["src_endpoint"]).toEqual({ ip: "::1", port: 5432 });
  });

  it("maps an unknown code by its area, still valid", () => {
    for (const code of ["test.load", "command.future", "grant.extended", "auth.mfa"]) {
      const o = toOcsf(sealed(code, "succeeded"), CTX);
      expect(missingRequired(o), code).toEqual([]);
      expect(o.activity_id).toBe(99);
      expect(o.type_uid).toBe(o.class_uid * 100 + 99);
    }
  });
});

describe("toCef", () => {
  it("writes one parseable line per code, with its signature id and the code as name", () => {
    for (const code of DESIGN_CODES) {
      const e = sample(code);
      const line = toCef(e, CTX);
      expect(line).not.toMatch(/[\r\n]/);
      const cef = parseCef(line);
      expect(cef).toMatchObject({
        vendor: "Airlock",
        product: "Airlock",
        productVersion: "0.1.0",
        signatureId: String(CEF_SIGNATURE_IDS[code]),
        name: code,
      });
      expect(cef.extension["externalId"]).toBe(e.seq.toString());
      expect(cef.extension["rt"]).toBe(String(e.at.getTime()));
      expect(cef.extension["outcome"]).toBe(e.outcome);
    }
  });

  it("keeps the signature ids stable, unique, and a fixed fallback for unknown codes", () => {
    expect(CEF_SIGNATURE_IDS).toMatchObject({
      "auth.login": 100,
      "session.started": 200,
      "command.allow": 300,
      "command.deny": 301,
      "command.review": 302,
      "command.masked": 303,
      "connector.masking_violation": 400,
      "review.requested": 500,
      "grant.issued": 601,
      "policy.changed": 700,
      "connection.created": 800,
      "api_key.created": 900,
      "user.created": 1000,
      "audit.exported": 1100,
      "audit.retention": 1101,
    });
    const ids = Object.values(CEF_SIGNATURE_IDS);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain(CEF_FALLBACK_SIGNATURE_ID);
    expect(cefSignatureId("something.new")).toBe(CEF_FALLBACK_SIGNATURE_ID);
    expect(parseCef(toCef(sealed("something.new", "succeeded"), CTX)).signatureId).toBe("9999");
  });

  it("escapes | and \\ in the header, and \\, = and line breaks in the extension", () => {
    const nasty = "SELECT 'a|b', 'c=d', 'e\\f'\nFROM t\r\nWHERE x = '\\n'";
    const e = sealed("command.deny", "denied", {
      ...inSession,
      actorName: "eve|=\\ the\nadmin",
      command: nasty,
      ruleIds: ["p/r=1"],
    });
    const line = toCef(e, { productVersion: "1.0|beta\\2\nx" });
    expect(line.split("\n")).toHaveLength(1);
    expect(line.startsWith("CEF:0|Airlock|Airlock|1.0\\|beta\\\\2 x|301|command.deny|6|")).toBe(
      true,
    );
    expect(line).toContain("cs5=SELECT 'a|b', 'c\\=d', 'e\\\\f'\\nFROM t\\nWHERE x \\= '\\\\n'");
    const cef = parseCef(line);
    expect(cef.productVersion).toBe("1.0|beta\\2 x");
    expect(cef.extension["cs5"]).toBe(nasty.replace("\r\n", "\n"));
    expect(cef.extension["cs5Label"]).toBe("command");
    expect(cef.extension["suser"]).toBe("eve|=\\ the\nadmin");
    expect(cef.extension["cs3"]).toBe("p/r=1");
    expect(cef.extension["act"]).toBe("Blocked");
    expect(cef.extension["src"]).toBe("10.1.2.3");
    expect(cef.extension["spt"]).toBe("53122");
  });
});

describe("toJsonl", () => {
  it("is the event on one line: seq and ids as strings, hashes in hex", () => {
    const e = sealed("command.allow", "allowed", {
      ...inSession,
      seq: 2n ** 62n,
      command: "SELECT 1\n;",
      ruleIds: ["base/allow-reads"],
    });
    const line = toJsonl(e);
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({
      seq: (2n ** 62n).toString(),
      id: e.id.toString(),
      code: "command.allow",
      outcome: "allowed",
      at: "2026-12-01T10:00:00.123Z",
      actor_id: ALICE.actorId,
      actor_name: "alice",
      actor_kind: "human",
      session_id: SESSION,
      review_id: null,
      grant_id: null,
      connection_name: "pg-prod",
      connector_name: "dc-1",
      source_address: "10.1.2.3:53122",
      correlation_id: SESSION,
      command: "SELECT 1\n;",
      rule_ids: ["base/allow-reads"],
      data: {},
      prev_hash: "01".repeat(32),
      hash: "02".repeat(32),
    });
  });
});
