// The SIEM formats of a sealed audit event (docs/design/0010-audit.md, "Export (pull)"):
// OCSF 1.8.0 JSON, one CEF line, or the event itself as a JSON line. Pure: no I/O, so the
// pull export, the push sinks and the tests all produce the same bytes for the same event.
//
// Where the OCSF attributes come from (the schema's own files in github.com/ocsf/ocsf-schema:
// events/iam/authentication.json, events/iam/user_access.json,
// events/application/api_activity.json, events/application/datastore_activity.json,
// objects/{user,metadata,product,api,network_endpoint,database,query_info,policy}.json,
// profiles/security_control.json, profiles/ai_operation.json), with what each class requires
// listed in ./ocsf-required.ts.
//
// Classes: auth.* → Authentication (3002); session.*, command.*, connector.masking_violation →
// Datastore Activity (6005, with query_info when there is a command); user.*, review.*,
// grant.* → User Access Management (3005); policy.*, connection.*, connector.*, api_key.*,
// audit.* (and unknown codes) → API Activity (6003). Every event carries the Security
// Control profile (action_id, disposition_id, policy, authorizations, is_alert).
//
// AI agents (service accounts): OCSF 1.8's AI Operation profile applies to API Activity only
// and holds `ai_model` (whose `name`, the model, is required) and `message_context`; Airlock
// knows neither (an agent's model is not something it is told), so the agent facts are
// carried as `actor.user.type_id` 4 "Service" (objects/user.json) plus `unmapped.airlock`
// (`actor_kind: "service_account"` and the accountable owner), and the profile is not
// claimed in `metadata.profiles`.
import type { EventDbRow } from "../audit/audit-chain.repository";
import { isIP } from "node:net";
import type { SealedAuditEvent } from "../audit/audit-event";

/** The OCSF schema version the events follow. */
export const OCSF_VERSION = "1.8.0";

export const PRODUCT_NAME = "Airlock";
export const VENDOR_NAME = "Airlock";

/** The OCSF classes the export uses. */
export type OcsfClassUid = 3002 | 3005 | 6003 | 6005;

/** What the mapping needs besides the event. */
export interface OcsfContext {
  /** The control plane's version (metadata.product.version, the CEF header). */
  productVersion: string;
  /**
   * The accountable owner of service accounts, by user id (as of the export: the event does
   * not record it). Absent: no owner in the output.
   */
  owners?: ReadonlyMap<string, { id: string; name: string }>;
}

/** The context for formatting `events`: the version, and the owners of the agents acting. */
export async function ocsfContextFor(
  events: readonly SealedAuditEvent[],
  productVersion: string,
  ownersOf: (ids: string[]) => Promise<ReadonlyMap<string, { id: string; name: string }>>,
): Promise<OcsfContext> {
  const agents = new Set<string>();
  for (const e of events)
    if (e.actorKind === "service_account" && e.actorId !== null) agents.add(e.actorId);
  return { productVersion, owners: await ownersOf([...agents]) };
}

/** An OCSF event: the base attributes typed, the class-specific ones open. */
export interface OcsfEvent {
  activity_id: number;
  activity_name: string;
  category_uid: number;
  category_name: string;
  class_uid: OcsfClassUid;
  class_name: string;
  type_uid: number;
  type_name: string;
  time: number;
  severity_id: number;
  severity: string;
  status_id: number;
  status: string;
  status_detail: string;
  message: string;
  metadata: OcsfMetadata;
  action_id: number;
  action: string;
  disposition_id: number;
  disposition: string;
  is_alert: boolean;
  [attribute: string]: unknown;
}

export interface OcsfMetadata {
  version: string;
  product: { name: string; vendor_name: string; version: string };
  uid: string;
  correlation_uid?: string;
  event_code: string;
  log_name: string;
  log_provider: string;
  original_time: string;
  profiles: string[];
}

// ---------------------------------------------------------------------------------------
// The classes and their activities (activity_id enums of each class file).

const CLASSES: Readonly<
  Record<
    OcsfClassUid,
    {
      name: string;
      categoryUid: number;
      categoryName: string;
      activities: Readonly<Record<number, string>>;
    }
  >
> = {
  3002: {
    name: "Authentication",
    categoryUid: 3,
    categoryName: "Identity & Access Management",
    activities: { 0: "Unknown", 1: "Logon", 2: "Logoff", 99: "Other" },
  },
  3005: {
    name: "User Access Management",
    categoryUid: 3,
    categoryName: "Identity & Access Management",
    activities: { 0: "Unknown", 1: "Assign Privileges", 2: "Revoke Privileges", 99: "Other" },
  },
  6003: {
    name: "API Activity",
    categoryUid: 6,
    categoryName: "Application Activity",
    activities: { 0: "Unknown", 1: "Create", 2: "Read", 3: "Update", 4: "Delete", 99: "Other" },
  },
  6005: {
    name: "Datastore Activity",
    categoryUid: 6,
    categoryName: "Application Activity",
    activities: {
      0: "Unknown",
      1: "Read",
      2: "Update",
      3: "Connect",
      4: "Query",
      5: "Write",
      6: "Create",
      7: "Delete",
      99: "Other",
    },
  },
};

/** activity_id, or 99 "Other" with the name Airlock gives it. */
type Activity = number | { other: string };
type ActivityRule = Activity | ((e: SealedAuditEvent) => Activity);

interface CodeSpec {
  /** The CEF signature id: stable forever, never reused (see CEF_SIGNATURE_IDS). */
  cef: number;
  classUid: OcsfClassUid;
  activity: ActivityRule;
}

const sqlActivity = (e: SealedAuditEvent): Activity => datastoreActivityOf(e.command);

/**
 * Every code of the design note, its OCSF class and activity, and its CEF signature id.
 * The ids are grouped by area (auth 1xx, session 2xx, command 3xx, connector 4xx, review 5xx,
 * grant 6xx, policy 7xx, connection 8xx, api_key 9xx, user 10xx, audit 11xx); a new code
 * takes the next free id of its area. Changing an id breaks every SIEM rule built on it.
 */
const CODES: Readonly<Record<string, CodeSpec>> = {
  "auth.login": { cef: 100, classUid: 3002, activity: 1 },
  "auth.logout": { cef: 101, classUid: 3002, activity: 2 },
  "auth.refresh_reuse": { cef: 102, classUid: 3002, activity: { other: "Refresh Token Reuse" } },
  "auth.idp_revoked": { cef: 103, classUid: 3002, activity: { other: "IdP Revocation" } },
  "session.started": { cef: 200, classUid: 6005, activity: 3 },
  "session.ended": { cef: 201, classUid: 6005, activity: { other: "Disconnect" } },
  "session.refused": { cef: 202, classUid: 6005, activity: 3 },
  "command.allow": { cef: 300, classUid: 6005, activity: sqlActivity },
  "command.deny": { cef: 301, classUid: 6005, activity: sqlActivity },
  "command.review": { cef: 302, classUid: 6005, activity: sqlActivity },
  "command.masked": { cef: 303, classUid: 6005, activity: sqlActivity },
  "connector.masking_violation": {
    cef: 400,
    classUid: 6005,
    activity: { other: "Masking Violation" },
  },
  "connector.created": { cef: 401, classUid: 6003, activity: 1 },
  "connector.deleted": { cef: 402, classUid: 6003, activity: 4 },
  "connector.token_created": { cef: 403, classUid: 6003, activity: 1 },
  "connector.token_revoked": { cef: 404, classUid: 6003, activity: 4 },
  "connector.connected": { cef: 405, classUid: 6003, activity: { other: "Connect" } },
  "connector.disconnected": { cef: 406, classUid: 6003, activity: { other: "Disconnect" } },
  "review.requested": { cef: 500, classUid: 3005, activity: { other: "Review Requested" } },
  "review.vote": { cef: 501, classUid: 3005, activity: { other: "Review Vote" } },
  "review.approved": { cef: 502, classUid: 3005, activity: { other: "Review Approved" } },
  "review.rejected": { cef: 503, classUid: 3005, activity: { other: "Review Rejected" } },
  "review.expired": { cef: 504, classUid: 3005, activity: { other: "Review Expired" } },
  "review.cancelled": { cef: 505, classUid: 3005, activity: { other: "Review Cancelled" } },
  "review.executed": { cef: 506, classUid: 3005, activity: { other: "Review Executed" } },
  "grant.requested": { cef: 600, classUid: 3005, activity: { other: "Access Requested" } },
  "grant.issued": { cef: 601, classUid: 3005, activity: 1 },
  "grant.expired": { cef: 602, classUid: 3005, activity: 2 },
  "grant.revoked": { cef: 603, classUid: 3005, activity: 2 },
  "policy.changed": {
    cef: 700,
    classUid: 6003,
    activity: (e) => (isFirstVersion(e.data) ? 1 : 3),
  },
  "policy.deleted": { cef: 701, classUid: 6003, activity: 4 },
  "connection.created": { cef: 800, classUid: 6003, activity: 1 },
  "connection.changed": { cef: 801, classUid: 6003, activity: 3 },
  "connection.deleted": { cef: 802, classUid: 6003, activity: 4 },
  "api_key.created": { cef: 900, classUid: 6003, activity: 1 },
  "api_key.revoked": { cef: 901, classUid: 6003, activity: 4 },
  "api_key.rotated": { cef: 902, classUid: 6003, activity: 3 },
  "user.created": { cef: 1000, classUid: 3005, activity: 1 },
  "user.changed": {
    cef: 1001,
    classUid: 3005,
    activity: (e) => (userDisabled(e.data) ? 2 : { other: "User Changed" }),
  },
  "audit.exported": { cef: 1100, classUid: 6003, activity: 2 },
  "audit.retention": { cef: 1101, classUid: 6003, activity: 4 },
  "audit.sink_created": { cef: 1102, classUid: 6003, activity: 1 },
  "audit.sink_deleted": { cef: 1103, classUid: 6003, activity: 4 },
  "webhook.created": { cef: 1200, classUid: 6003, activity: 1 },
  "webhook.deleted": { cef: 1201, classUid: 6003, activity: 4 },
};

/** The CEF signature id of a code this table does not know. */
export const CEF_FALLBACK_SIGNATURE_ID = 9999;

/** Every known code and its CEF signature id (the contract SIEM rules are written against). */
export const CEF_SIGNATURE_IDS: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(CODES).map(([code, spec]) => [code, spec.cef]),
);

/** The codes the mapping knows (the design note's list). */
export const KNOWN_CODES: readonly string[] = Object.keys(CODES);

export function cefSignatureId(code: string): number {
  return CODES[code]?.cef ?? CEF_FALLBACK_SIGNATURE_ID;
}

/** The class of an unknown code: by its area, else API Activity. */
function fallbackClass(code: string): OcsfClassUid {
  const area = code.split(".", 1)[0] ?? "";
  if (area === "auth") return 3002;
  if (area === "session" || area === "command") return 6005;
  if (area === "user" || area === "review" || area === "grant") return 3005;
  return 6003;
}

/** The Datastore Activity a statement is, from its first keyword; Query when unsure. */
export function datastoreActivityOf(sql: string | null): number {
  const keyword = /^[\s(]*([a-z]+)/i.exec(stripLeadingComments(sql ?? ""))?.[1]?.toLowerCase();
  switch (keyword) {
    case "insert":
      return 5; // Write
    case "update":
    case "merge":
      return 2; // Update
    case "delete":
    case "truncate":
    case "drop":
      return 7; // Delete
    case "create":
      return 6; // Create
    default:
      return 4; // Query (SELECT, WITH, SHOW, COPY, SET, …)
  }
}

function stripLeadingComments(sql: string): string {
  let rest = sql;
  for (;;) {
    const trimmed = rest.trimStart();
    if (trimmed.startsWith("--")) {
      const end = trimmed.indexOf("\n");
      rest = end < 0 ? "" : trimmed.slice(end + 1);
    } else if (trimmed.startsWith("/*")) {
      const end = trimmed.indexOf("*/");
      rest = end < 0 ? "" : trimmed.slice(end + 2);
    } else {
      return trimmed;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Outcome → status, Security Control disposition and action, severity.

const SEVERITY: Readonly<Record<number, string>> = {
  0: "Unknown",
  1: "Informational",
  2: "Low",
  3: "Medium",
  4: "High",
  5: "Critical",
  6: "Fatal",
};

const ACTION: Readonly<Record<number, string>> = {
  0: "Unknown",
  1: "Allowed",
  2: "Denied",
  3: "Observed",
  4: "Modified",
  99: "Other",
};

/** disposition_id captions (dictionary.json, OCSF 1.6+ wording). */
const DISPOSITION: Readonly<Record<number, string>> = {
  0: "Unknown",
  1: "Allowed",
  2: "Blocked",
  8: "Approved",
  14: "Delayed",
  17: "Logged",
  24: "Access Revoked",
  25: "Rejected",
  26: "Unauthorized",
  27: "Error",
  99: "Other",
};

interface Control {
  actionId: number;
  action: string;
  dispositionId: number;
  disposition: string;
}

function control(actionId: number, dispositionId: number, other?: string): Control {
  return {
    actionId,
    action: ACTION[actionId] ?? "Unknown",
    dispositionId,
    disposition: other ?? DISPOSITION[dispositionId] ?? "Unknown",
  };
}

/**
 * What the security control did: allowed, blocked, held for review (Delayed), approved,
 * rejected, revoked; plain facts (a session ended) are Observed/Logged.
 */
export function securityControl(code: string, outcome: string): Control {
  if (code === "auth.refresh_reuse" || code === "auth.idp_revoked") return control(2, 24);
  if (code === "connector.masking_violation") return control(4, 99, "Masked");
  switch (outcome) {
    case "allowed":
    case "succeeded":
    case "created":
    case "changed":
    case "deleted":
    case "started":
    case "connected":
    case "issued":
    case "active":
    case "executed":
      return control(1, 1);
    case "denied":
      return control(2, 2);
    case "held":
    case "pending":
      return control(99, 14, "Delayed");
    case "approved":
    case "approve":
      return control(1, 8);
    case "rejected":
    case "reject":
      return control(2, 25);
    case "revoked":
      return control(2, 24);
    case "expired":
      // A grant that ran out ends access; a review nobody answered leaves the command unrun.
      return code.startsWith("grant.") ? control(2, 24) : control(2, 99, "Expired");
    case "masked":
      return control(4, 99, "Masked");
    case "failed":
      return code.startsWith("auth.") ? control(2, 26) : control(0, 27);
    default:
      return control(3, 17);
  }
}

function statusOf(outcome: string): { id: number; caption: string } {
  switch (outcome) {
    case "failed":
    case "denied":
    case "rejected":
    case "reject":
      return { id: 2, caption: "Failure" };
    case "held":
    case "pending":
      return { id: 99, caption: "Pending" };
    default:
      return { id: 1, caption: "Success" };
  }
}

/** Informational, except what a security team wants to see first. */
function severityOf(code: string, outcome: string): number {
  if (code === "auth.refresh_reuse" || code === "connector.masking_violation") return 4;
  if (code === "auth.idp_revoked" || code === "command.deny" || code === "audit.retention")
    return 3;
  if (outcome === "failed" || outcome === "denied" || outcome === "rejected") return 2;
  return 1;
}

const ALERT_CODES = new Set(["auth.refresh_reuse", "connector.masking_violation"]);

// ---------------------------------------------------------------------------------------
// Objects.

type Json = Record<string, unknown>;

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** Drops undefined members, so absent facts are absent rather than null. */
function compact<T extends Json>(obj: T): T {
  for (const key of Object.keys(obj)) if (obj[key] === undefined) delete obj[key];
  return obj;
}

function isFirstVersion(data: Json): boolean {
  const previous = data["previousVersion"];
  return previous === null || previous === 0 || previous === undefined;
}

function userDisabled(data: Json): boolean {
  const to = data["to"];
  return (
    typeof to === "object" &&
    to !== null &&
    (to as Json)["disabled"] === "disabled" &&
    Array.isArray(data["changed"]) &&
    (data["changed"] as unknown[]).includes("disabled")
  );
}

/** OCSF user type: 1 User for people, 4 Service for service accounts (AI agents). */
function userType(kind: string | null | undefined): { type_id: number; type: string } {
  if (kind === "service_account") return { type_id: 4, type: "Service" };
  if (kind === "human") return { type_id: 1, type: "User" };
  return { type_id: 0, type: "Unknown" };
}

function actorUser(e: SealedAuditEvent): Json | undefined {
  if (e.actorId === null && e.actorName === null) return undefined;
  return compact({
    uid: e.actorId ?? undefined,
    name: e.actorName ?? undefined,
    ...userType(e.actorKind),
  });
}

/** Who did it; the control plane itself when no one did. */
function actorOf(e: SealedAuditEvent): Json {
  const user = actorUser(e);
  const session = e.sessionId === null ? undefined : { uid: e.sessionId };
  if (user === undefined) {
    return compact({
      app_name: "Airlock control plane",
      user: { name: "airlock", type_id: 3, type: "System" },
      session,
    });
  }
  return compact({ user, session });
}

/** host:port, [v6]:port or a bare address → network endpoint fields. */
export function parseSourceAddress(address: string): {
  ip?: string;
  hostname?: string;
  port?: number;
} {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(address);
  if (bracketed?.[1] !== undefined) {
    const port = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
    return compact({ ip: bracketed[1], port });
  }
  if (isIP(address) !== 0) return { ip: address };
  const hostPort = /^([^:]+):(\d{1,5})$/.exec(address);
  if (hostPort?.[1] !== undefined && hostPort[2] !== undefined) {
    const host = hostPort[1];
    const port = Number(hostPort[2]);
    return isIP(host) !== 0 ? { ip: host, port } : { hostname: host, port };
  }
  return { hostname: address };
}

/**
 * Where the activity came from: the client's address when Airlock recorded it, the control
 * plane for its own actions, else "unknown" (REST calls do not record the caller's address;
 * the schema still asks for an endpoint with at least a name).
 */
function srcEndpointOf(e: SealedAuditEvent): Json {
  if (e.sourceAddress !== null && e.sourceAddress.length > 0)
    return compact(parseSourceAddress(e.sourceAddress));
  if (e.actorId === null && e.actorName === null) return { svc_name: "airlock-control-plane" };
  return { name: "unknown" };
}

/** `policy/rule` ids → the Security Control `policy` and one authorization per rule. */
function policyFacts(e: SealedAuditEvent, disposition: string): Json {
  if (e.ruleIds.length === 0) return {};
  const policies = [...new Set(e.ruleIds.map((id) => id.split("/", 1)[0] ?? id))];
  return {
    policy: { uid: e.ruleIds.join(","), name: policies.join(",") },
    authorizations: e.ruleIds.map((id) => ({
      decision: disposition,
      policy: { uid: id, name: id.split("/", 1)[0] ?? id },
    })),
  };
}

function queryUid(e: SealedAuditEvent): string {
  const commandSeq = e.data["commandSeq"];
  if (e.sessionId !== null && (typeof commandSeq === "number" || typeof commandSeq === "string"))
    return `${e.sessionId}/${commandSeq}`;
  return `event-${e.id.toString()}`;
}

function datastoreFacts(e: SealedAuditEvent): Json {
  const connection = e.connectionName ?? str(e.data["connectionName"]);
  return compact({
    database: compact({ name: connection, type_id: 1, type: "Relational" }),
    dst_endpoint:
      connection === undefined ? undefined : { name: connection, svc_name: "postgresql" },
    query_info: e.command === null ? undefined : { query_string: e.command, uid: queryUid(e) },
    type_id: 1,
    type: "Database",
  });
}

const RESOURCE_TYPE: Readonly<Record<string, string>> = {
  policy: "Policy",
  connection: "Connection",
  connector: "Connector",
  api_key: "API Key",
  audit: "Audit Trail",
};

function apiFacts(e: SealedAuditEvent, productVersion: string): Json {
  const area = e.code.split(".", 1)[0] ?? e.code;
  const name =
    str(e.data["name"]) ??
    (area === "connection" ? (e.connectionName ?? undefined) : undefined) ??
    (area === "connector" ? (e.connectorName ?? str(e.data["connector"])) : undefined);
  const uid = str(e.data["id"]) ?? str(e.data["connectorId"]);
  const resource =
    name === undefined && uid === undefined
      ? undefined
      : compact({ type: RESOURCE_TYPE[area] ?? area, name, uid });
  return compact({
    api: {
      operation: e.code,
      service: { name: PRODUCT_NAME, version: productVersion },
      version: "v1",
    },
    resources: resource === undefined ? undefined : [resource],
  });
}

/** The user whose access changed: the subject named in the data, else the actor. */
function subjectUser(e: SealedAuditEvent): Json {
  const data = e.data;
  const uid = e.code.startsWith("user.") ? str(data["id"]) : (str(data["userId"]) ?? undefined);
  const name = e.code.startsWith("user.") ? str(data["name"]) : str(data["user"]);
  if (uid !== undefined || name !== undefined) {
    const kind = e.code === "user.created" ? str(data["kind"]) : undefined;
    return compact({ uid, name, ...(kind === undefined ? {} : userType(kind)) });
  }
  return actorUser(e) ?? { name: "unknown", type_id: 0, type: "Unknown" };
}

function privilegesOf(e: SealedAuditEvent): string[] {
  const data = e.data;
  const privileges: string[] = [];
  const role = str(data["role"]) ?? str(data["grantRole"]);
  if (role !== undefined) privileges.push(`role:${role}`);
  const groups = data["groups"];
  if (Array.isArray(groups))
    for (const g of groups) if (typeof g === "string") privileges.push(`group:${g}`);
  const policies = data["policies"] ?? data["grantPolicies"];
  if (Array.isArray(policies))
    for (const p of policies) if (typeof p === "string") privileges.push(`policy:${p}`);
  return privileges;
}

function userAccessFacts(e: SealedAuditEvent): Json {
  const connection = e.connectionName ?? str(e.data["connectionName"]);
  return compact({
    user: subjectUser(e),
    privileges: privilegesOf(e),
    resources: connection === undefined ? undefined : [{ type: "Connection", name: connection }],
  });
}

function authenticationFacts(e: SealedAuditEvent): Json {
  const loginSessionId = str(e.data["loginSessionId"]);
  const oidc = e.data["method"] === "oidc";
  return compact({
    user: actorUser(e) ?? compact({ name: str(e.data["user"]) ?? "unknown" }),
    service: { name: PRODUCT_NAME },
    auth_protocol_id: oidc ? 4 : undefined,
    auth_protocol: oidc ? "OpenID" : undefined,
    session: loginSessionId === undefined ? undefined : { uid: loginSessionId },
    is_remote: e.code === "auth.login" || e.code === "auth.logout" ? true : undefined,
    src_endpoint: e.sourceAddress === null ? undefined : srcEndpointOf(e),
  });
}

function messageOf(e: SealedAuditEvent): string {
  const who = e.actorName ?? "airlock";
  const where = e.connectionName === null ? "" : ` on ${e.connectionName}`;
  const what =
    e.command === null
      ? ""
      : `: ${e.command.length > 200 ? `${e.command.slice(0, 200)}…` : e.command}`;
  return `${who}: ${e.code} (${e.outcome})${where}${what}`;
}

function unmappedOf(e: SealedAuditEvent, ctx: OcsfContext): Json {
  const owner =
    e.actorKind === "service_account" && e.actorId !== null
      ? ctx.owners?.get(e.actorId)
      : undefined;
  return {
    airlock: compact({
      event_id: e.id.toString(),
      seq: e.seq.toString(),
      code: e.code,
      outcome: e.outcome,
      actor_kind: e.actorKind ?? undefined,
      owner: owner === undefined ? undefined : { uid: owner.id, name: owner.name },
      session_id: e.sessionId ?? undefined,
      review_id: e.reviewId ?? undefined,
      grant_id: e.grantId ?? undefined,
      connection: e.connectionName ?? undefined,
      connector: e.connectorName ?? undefined,
      rule_ids: e.ruleIds.length === 0 ? undefined : [...e.ruleIds],
      data: e.data,
      prev_hash: e.prevHash.toString("hex"),
      hash: e.hash.toString("hex"),
    }),
  };
}

// ---------------------------------------------------------------------------------------
// The three formats.

/** The OCSF 1.8.0 event of a sealed audit event. */
export function toOcsf(event: SealedAuditEvent, ctx: OcsfContext): OcsfEvent {
  const spec = CODES[event.code];
  const classUid = spec?.classUid ?? fallbackClass(event.code);
  const cls = CLASSES[classUid];
  const rule = spec?.activity ?? { other: event.code };
  const activity = typeof rule === "function" ? rule(event) : rule;
  const activityId = typeof activity === "number" ? activity : 99;
  const activityName =
    typeof activity === "number" ? (cls.activities[activity] ?? "Unknown") : activity.other;
  const severityId = severityOf(event.code, event.outcome);
  const status = statusOf(event.outcome);
  const sc = securityControl(event.code, event.outcome);

  let classFacts: Json;
  switch (classUid) {
    case 3002:
      classFacts = authenticationFacts(event);
      break;
    case 3005:
      classFacts = userAccessFacts(event);
      break;
    case 6003:
      classFacts = { ...apiFacts(event, ctx.productVersion), src_endpoint: srcEndpointOf(event) };
      break;
    case 6005:
      classFacts = { ...datastoreFacts(event), src_endpoint: srcEndpointOf(event) };
      break;
  }

  return {
    activity_id: activityId,
    activity_name: activityName,
    category_uid: cls.categoryUid,
    category_name: cls.categoryName,
    class_uid: classUid,
    class_name: cls.name,
    type_uid: classUid * 100 + activityId,
    type_name: `${cls.name}: ${activityName}`,
    time: event.at.getTime(),
    severity_id: severityId,
    severity: SEVERITY[severityId] ?? "Unknown",
    status_id: status.id,
    status: status.caption,
    status_detail: event.outcome,
    message: messageOf(event),
    metadata: {
      version: OCSF_VERSION,
      product: { name: PRODUCT_NAME, vendor_name: VENDOR_NAME, version: ctx.productVersion },
      uid: event.seq.toString(),
      ...(event.correlationId === null ? {} : { correlation_uid: event.correlationId }),
      event_code: event.code,
      log_name: "audit",
      log_provider: "airlock-control-plane",
      original_time: event.at.toISOString(),
      profiles: ["security_control"],
    },
    actor: actorOf(event),
    ...classFacts,
    action_id: sc.actionId,
    action: sc.action,
    disposition_id: sc.dispositionId,
    disposition: sc.disposition,
    is_alert: ALERT_CODES.has(event.code),
    ...policyFacts(event, sc.disposition),
    unmapped: unmappedOf(event, ctx),
  };
}

/** The event as stored, with the 64-bit numbers as strings and the hashes in hex. */
export type JsonlRecord = Omit<EventDbRow, "at" | "seq" | "prev_hash" | "hash"> & {
  seq: string;
  at: string;
  prev_hash: string;
  hash: string;
};

export function toJsonlRecord(e: SealedAuditEvent): JsonlRecord {
  return {
    seq: e.seq.toString(),
    id: e.id.toString(),
    code: e.code,
    outcome: e.outcome,
    at: e.at.toISOString(),
    actor_id: e.actorId,
    actor_name: e.actorName,
    actor_kind: e.actorKind,
    session_id: e.sessionId,
    review_id: e.reviewId,
    grant_id: e.grantId,
    connection_name: e.connectionName,
    connector_name: e.connectorName,
    source_address: e.sourceAddress,
    correlation_id: e.correlationId,
    command: e.command,
    rule_ids: [...e.ruleIds],
    data: e.data,
    prev_hash: e.prevHash.toString("hex"),
    hash: e.hash.toString("hex"),
  };
}

/** One JSON line (no newline at the end; JSON.stringify escapes any inside values). */
export function toJsonl(event: SealedAuditEvent): string {
  return JSON.stringify(toJsonlRecord(event));
}

/** A CEF header field: `\` and `|` escaped; a line break would end the record, so a space. */
export function cefHeaderEscape(value: string): string {
  return value
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/\r\n|\r|\n/g, " ");
}

/** A CEF extension value: `\`, `=` and line breaks escaped (`|` needs none there). */
export function cefExtensionEscape(value: string): string {
  return value
    .replace(/\\/g, "\\\\")
    .replace(/=/g, "\\=")
    .replace(/\r\n|\n/g, "\\n")
    .replace(/\r/g, "\\r");
}

/** OCSF severity → CEF 0–10. */
const CEF_SEVERITY: Readonly<Record<number, number>> = {
  0: 0,
  1: 3,
  2: 4,
  3: 6,
  4: 8,
  5: 9,
  6: 10,
};

/**
 * One CEF line: `CEF:0|Airlock|Airlock|<version>|<signature id>|<code>|<severity>|<extension>`
 * with the standard keys (rt, externalId, cat, act, outcome, suser, suid, src/shost, spt,
 * msg) and labelled custom strings for the Airlock fields.
 */
export function toCef(event: SealedAuditEvent, ctx: OcsfContext): string {
  const severity = CEF_SEVERITY[severityOf(event.code, event.outcome)] ?? 0;
  const sc = securityControl(event.code, event.outcome);
  const source = event.sourceAddress === null ? {} : parseSourceAddress(event.sourceAddress);
  const pairs: Array<[string, string | undefined]> = [
    ["rt", String(event.at.getTime())],
    ["externalId", event.seq.toString()],
    ["cat", event.code.split(".", 1)[0]],
    ["act", sc.disposition],
    ["outcome", event.outcome],
    ["suser", event.actorName ?? undefined],
    ["suid", event.actorId ?? undefined],
    ["src", source.ip],
    ["shost", source.hostname],
    ["spt", source.port === undefined ? undefined : String(source.port)],
    ["msg", messageOf(event)],
    ["cs1Label", event.sessionId === null ? undefined : "sessionId"],
    ["cs1", event.sessionId ?? undefined],
    ["cs2Label", event.correlationId === null ? undefined : "correlationId"],
    ["cs2", event.correlationId ?? undefined],
    ["cs3Label", event.ruleIds.length === 0 ? undefined : "ruleIds"],
    ["cs3", event.ruleIds.length === 0 ? undefined : event.ruleIds.join(",")],
    ["cs4Label", event.connectionName === null ? undefined : "connection"],
    ["cs4", event.connectionName ?? undefined],
    ["cs5Label", event.command === null ? undefined : "command"],
    ["cs5", event.command ?? undefined],
    ["cs6Label", event.connectorName === null ? undefined : "connector"],
    ["cs6", event.connectorName ?? undefined],
    ["flexString1Label", event.reviewId === null ? undefined : "reviewId"],
    ["flexString1", event.reviewId ?? undefined],
    ["flexString2Label", event.grantId === null ? undefined : "grantId"],
    ["flexString2", event.grantId ?? undefined],
  ];
  const extension = pairs
    .filter((pair): pair is [string, string] => pair[1] !== undefined)
    .map(([key, value]) => `${key}=${cefExtensionEscape(value)}`)
    .join(" ");
  const header = [
    "CEF:0",
    cefHeaderEscape(VENDOR_NAME),
    cefHeaderEscape(PRODUCT_NAME),
    cefHeaderEscape(ctx.productVersion),
    String(cefSignatureId(event.code)),
    cefHeaderEscape(event.code),
    String(severity),
  ].join("|");
  return `${header}|${extension}`;
}
