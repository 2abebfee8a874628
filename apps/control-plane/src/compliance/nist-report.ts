// The NIST SP 800-53 Rev. 5 evidence report (docs/design/0010-audit.md, "Evidence and
// replay"): for each control Airlock helps with, what it enforced, counts from the period,
// sample audit event ids, and the gaps the facts show. Pure: facts in, report out.
import { AUDIT_CODES } from "../audit/audit-event";
import type { VerifyResult } from "../audit/audit-verifier";
import type { ComplianceFacts } from "./compliance-facts";

export const CONTROL_IDS = [
  "AC-2",
  "AC-6",
  "AU-2",
  "AU-3",
  "AU-6",
  "AU-9",
  "AU-12",
  "SC-7",
  "IR-4",
] as const;
export type ControlId = (typeof CONTROL_IDS)[number];

export type ControlStatus = "satisfied" | "partially-satisfied" | "not-satisfied";

export interface ControlResult {
  id: ControlId;
  title: string;
  status: ControlStatus;
  /** What Airlock enforces for the control, and what it recorded doing so. */
  enforced: string[];
  counts: Record<string, number>;
  /** Audit event ids (the `id` of exported events) that show the control at work. */
  sampleEventIds: string[];
  /** What falls short, each with what to do; empty when the control is satisfied. */
  gaps: string[];
}

export interface NistReport {
  framework: "NIST SP 800-53 Rev. 5";
  period: { from: string; to: string };
  generatedAt: string;
  /** The headline numbers of the period (connectors: registered now). */
  counts: {
    sessions: number;
    commands: number;
    denials: number;
    approvals: number;
    jitGrants: number;
    maskedValues: number;
    connectors: number;
    connectorsOnline: number;
    auditEvents: number;
  };
  /** Values masked in results in the period, per entity (EMAIL, COLUMN, …). */
  maskedValuesByEntity: Record<string, number>;
  /** The audit chain's verification over the period. */
  verification: VerifyResult;
  summary: Record<ControlStatus, number>;
  controls: ControlResult[];
}

/** Every audit event code Airlock defines (docs/design/0010-audit.md, "The event"). */
export const AUDIT_EVENT_CODES: readonly string[] = AUDIT_CODES;

/** The fields every audit event carries (AU-3). */
export const AUDIT_EVENT_FIELDS: readonly string[] = [
  "code",
  "outcome",
  "at",
  "actor_id",
  "actor_name",
  "actor_kind",
  "source_address",
  "connection_name",
  "connector_name",
  "session_id",
  "review_id",
  "grant_id",
  "correlation_id",
  "command",
  "rule_ids",
  "data",
  "seq",
  "prev_hash",
  "hash",
];

/** Sample ids per control: the codes whose events show it, most telling first. */
export const SAMPLE_CODES: Record<ControlId, readonly string[]> = {
  "AC-2": ["user.created", "user.changed", "api_key.created", "api_key.revoked", "auth.login"],
  "AC-6": ["command.deny", "command.review", "review.approved", "grant.issued", "policy.changed"],
  "AU-2": [],
  "AU-3": ["command.allow", "command.deny", "session.started"],
  "AU-6": ["audit.exported", "review.vote", "review.approved", "review.rejected"],
  "AU-9": ["audit.retention", "audit.exported"],
  "AU-12": [],
  "SC-7": ["connector.connected", "connector.disconnected", "session.started"],
  "IR-4": [
    "session.refused",
    "connector.masking_violation",
    "auth.refresh_reuse",
    "auth.idp_revoked",
    "grant.revoked",
  ],
};

/** How many sample ids a control lists. */
const MAX_SAMPLES = 10;

/** One gap: `critical` makes the control not satisfied, else partially satisfied. */
interface Gap {
  text: string;
  critical?: boolean;
}

type Draft = Omit<ControlResult, "id" | "status" | "gaps" | "sampleEventIds"> & { gaps: Gap[] };

export interface ReportPeriod {
  from: Date;
  to: Date;
  /** When the report was made. */
  at: Date;
}

export function buildNistReport(
  facts: ComplianceFacts,
  verification: VerifyResult,
  period: ReportPeriod,
): NistReport {
  const drafts: Record<ControlId, Draft> = {
    "AC-2": accountManagement(facts),
    "AC-6": leastPrivilege(facts),
    "AU-2": eventLogging(facts),
    "AU-3": recordContent(facts),
    "AU-6": reviewAndReporting(facts),
    "AU-9": protection(verification),
    "AU-12": generation(facts),
    "SC-7": boundaryProtection(facts),
    "IR-4": incidentHandling(facts),
  };
  const controls = CONTROL_IDS.map((id) => finish(id, drafts[id], facts));
  const summary: Record<ControlStatus, number> = {
    satisfied: 0,
    "partially-satisfied": 0,
    "not-satisfied": 0,
  };
  for (const control of controls) summary[control.status] += 1;
  return {
    framework: "NIST SP 800-53 Rev. 5",
    period: { from: period.from.toISOString(), to: period.to.toISOString() },
    generatedAt: period.at.toISOString(),
    counts: {
      sessions: facts.sessions.started,
      commands: facts.commands.total,
      denials: facts.commands.deny,
      approvals: facts.reviews.approved,
      jitGrants: facts.grants.issued,
      maskedValues: facts.masking.values,
      connectors: facts.connectors.total,
      connectorsOnline: facts.connectors.online,
      auditEvents: facts.audit.events,
    },
    maskedValuesByEntity: { ...facts.masking.byEntity },
    verification,
    summary,
    controls,
  };
}

function finish(id: ControlId, draft: Draft, facts: ComplianceFacts): ControlResult {
  const status: ControlStatus = draft.gaps.some((g) => g.critical)
    ? "not-satisfied"
    : draft.gaps.length > 0
      ? "partially-satisfied"
      : "satisfied";
  return {
    id,
    title: draft.title,
    status,
    enforced: draft.enforced,
    counts: draft.counts,
    sampleEventIds: samplesFor(id, facts),
    gaps: draft.gaps.map((g) => g.text),
  };
}

function samplesFor(id: ControlId, facts: ComplianceFacts): string[] {
  const pick = (codes: readonly string[], perCode: number): string[] => [
    ...new Set(codes.flatMap((code) => (facts.samples[code] ?? []).slice(0, perCode))),
  ];
  // AU-2 and AU-12 are about every code: one event of each code recorded.
  const everyCode = (): string[] => pick(Object.keys(facts.samples).sort(), 1);
  if (SAMPLE_CODES[id].length === 0) return everyCode().slice(0, MAX_SAMPLES);
  const ids = pick(SAMPLE_CODES[id], 3);
  // Any event shows what an audit record holds.
  if (ids.length === 0 && id === "AU-3") return everyCode().slice(0, MAX_SAMPLES);
  return ids.slice(0, MAX_SAMPLES);
}

function events(facts: ComplianceFacts, code: string): number {
  return facts.audit.byCode[code] ?? 0;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function accountManagement(facts: ComplianceFacts): Draft {
  const { users, apiKeys } = facts;
  const gaps: Gap[] = [];
  if (users.serviceAccountsWithoutOwner > 0) {
    gaps.push({
      text: `${plural(users.serviceAccountsWithoutOwner, "service account")} without an owner: give each an accountable human (PATCH /api/v1/users/{name} with owner)`,
    });
  }
  if (apiKeys.activeWithoutExpiry > 0) {
    const n = apiKeys.activeWithoutExpiry;
    gaps.push({
      text: `${plural(n, "active API key")} ${n === 1 ? "has" : "have"} no expiry: replace ${n === 1 ? "it" : "them"} with keys that expire`,
    });
  }
  return {
    title: "Account Management",
    enforced: [
      "Every principal is a named account: people (OIDC login or created by an admin) and service accounts, each service account with an accountable human owner",
      "Roles (admin, auditor, user) are assigned per account; access to targets comes only from policies naming the account or its groups",
      "API keys belong to one account, are stored as hashes, can expire, be scoped to connections, rotated and revoked",
      "Disabling an account, revoking its key or login, or its removal at the identity provider ends its live sessions and refuses new ones",
      "Account and key changes are audited (user.created, user.changed, api_key.*, auth.*)",
    ],
    counts: {
      humans: users.humans,
      serviceAccounts: users.serviceAccounts,
      serviceAccountsWithoutOwner: users.serviceAccountsWithoutOwner,
      disabledAccounts: users.disabled,
      admins: users.byRole["admin"] ?? 0,
      auditors: users.byRole["auditor"] ?? 0,
      accountsCreated: users.createdInPeriod,
      apiKeysActive: apiKeys.active,
      apiKeysRevoked: apiKeys.revoked,
      apiKeysExpired: apiKeys.expired,
      apiKeysWithoutExpiry: apiKeys.activeWithoutExpiry,
      apiKeysCreated: apiKeys.createdInPeriod,
      apiKeysRevokedInPeriod: apiKeys.revokedInPeriod,
      logins: events(facts, "auth.login"),
      authenticationEvents: Object.entries(facts.audit.byCode)
        .filter(([code]) => code.startsWith("auth."))
        .reduce((sum, [, n]) => sum + n, 0),
      identityProviderRevocations: events(facts, "auth.idp_revoked"),
    },
    gaps,
  };
}

function leastPrivilege(facts: ComplianceFacts): Draft {
  const { policies, commands, reviews, grants } = facts;
  const gaps: Gap[] = [];
  if (policies.names.length === 0) {
    gaps.push({
      text: "no policies in force: every command is denied by default; write policies that allow each group only what it needs",
    });
  }
  if (policies.reviewRules.length === 0) {
    gaps.push({
      text: "no review rules configured: no command needs a second person's approval; add rules with action: review for risky statements (writes, DDL, production)",
    });
  }
  if (policies.elevationRoles.length === 0) {
    gaps.push({
      text: "no elevation policies configured: there is no just-in-time access, so every privilege is standing; move rare privileges into elevation policies",
    });
  }
  return {
    title: "Least Privilege",
    enforced: [
      "Deny by default: a statement that no policy rule allows is denied",
      "Every statement of every command is decided against the versioned policies in force, before it reaches the target",
      "Commands that match a review rule are held until the required approvers approve; the requester cannot approve their own",
      "Elevated access is given only as time-bound grants (just in time), approved by the elevation policy's approvers, expiring by themselves and revocable",
      "Target credentials stay with Airlock or the connector; users never receive them",
    ],
    counts: {
      policiesInForce: policies.names.length,
      reviewRules: policies.reviewRules.length,
      denyRules: policies.denyRules.length,
      elevationRoles: policies.elevationRoles.length,
      commandsDecided: commands.total,
      commandsAllowed: commands.allow,
      commandsDenied: commands.deny,
      commandsHeldForReview: commands.review,
      reviewsApproved: reviews.approved,
      reviewsRejected: reviews.rejected,
      reviewsExpired: reviews.expired,
      grantsIssued: grants.issued,
      grantsExpired: grants.expired,
      grantsRevoked: grants.revoked,
      grantsActiveNow: grants.activeNow,
      maskingPolicies: policies.maskingPolicies.length,
      maskedValues: facts.masking.values,
    },
    gaps,
  };
}

function eventLogging(facts: ComplianceFacts): Draft {
  const recorded = Object.entries(facts.audit.byCode)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  const gaps: Gap[] = [];
  if (facts.audit.events === 0) {
    gaps.push({ text: "no audit event was recorded in the period" });
  }
  return {
    title: "Event Logging",
    enforced: [
      `${AUDIT_EVENT_CODES.length} event types with stable codes are logged: authentication, sessions, every command decision (allow, deny, review), masking, reviews, grants, and changes to policies, connections, connectors, keys and users`,
      "Denials, refusals and failures are logged, not only successes, each with an explicit outcome",
      recorded.length === 0
        ? "Recorded in the period: nothing"
        : `Recorded in the period: ${recorded.map(([code, n]) => `${code} (${n})`).join(", ")}`,
    ],
    counts: {
      eventTypesDefined: AUDIT_EVENT_CODES.length,
      eventTypesRecorded: recorded.length,
      events: facts.audit.events,
    },
    gaps,
  };
}

function recordContent(facts: ComplianceFacts): Draft {
  return {
    title: "Content of Audit Records",
    enforced: [
      `Each event carries ${AUDIT_EVENT_FIELDS.join(", ")}`,
      "What: the stable code, the explicit outcome and the exact command (SQL) with the matched policy rule ids; when: the time; where: the connection, connector and source address; who: the actor and its kind (person or service account)",
      "Commands are also recorded write-ahead with their parameters, decision, reasons, timing, row counts and a masked sample of the result",
    ],
    counts: {
      events: facts.audit.events,
      commandsRecorded: facts.commands.total,
      sessionsRecorded: facts.sessions.started,
      fieldsPerEvent: AUDIT_EVENT_FIELDS.length,
    },
    gaps: [],
  };
}

function reviewAndReporting(facts: ComplianceFacts): Draft {
  const exported = events(facts, "audit.exported");
  const gaps: Gap[] = [];
  if (exported === 0 && facts.audit.sinks === 0) {
    gaps.push({
      text: "the audit trail was not exported in the period: no SIEM pulled it (GET /api/v1/export/events) and no push sink is configured",
    });
  }
  return {
    title: "Audit Record Review, Analysis, and Reporting",
    enforced: [
      "Export without gaps or duplicates: GET /api/v1/export/events (OCSF, CEF, JSON lines) resumes from a cursor on the chain's sequence; push sinks (webhook, syslog) deliver after their own cursor",
      "Each session's history can be replayed in order (GET /api/v1/sessions/{id}/events, airlock sessions replay)",
      "Held commands and grant requests are reviewed by people before they take effect; every vote is recorded",
      "This report maps the period's events to controls (GET /api/v1/compliance/nist-800-53)",
    ],
    counts: {
      exports: exported,
      pushSinks: facts.audit.sinks,
      reviewsRequested: facts.reviews.requested,
      reviewsApproved: facts.reviews.approved,
      reviewsRejected: facts.reviews.rejected,
      reviewVotes: events(facts, "review.vote"),
    },
    gaps,
  };
}

function protection(verification: VerifyResult): Draft {
  const gaps: Gap[] = [];
  if (!verification.ok) {
    const shown = verification.problems.slice(0, 5);
    for (const problem of shown) {
      gaps.push({
        critical: true,
        text: `chain verification failed (${problem.kind}${problem.seq === null ? "" : ` at seq ${problem.seq}`}): ${problem.message}`,
      });
    }
    if (verification.problems.length > shown.length) {
      gaps.push({
        critical: true,
        text: `…and ${verification.problems.length - shown.length} more problem(s): see GET /api/v1/audit/verify`,
      });
    }
    if (verification.problems.length === 0) {
      gaps.push({ critical: true, text: "chain verification failed" });
    }
  }
  if (verification.lastCheckpoint === null) {
    gaps.push({
      text: "no signed checkpoint yet: until the sealer signs one, a rewrite of the whole chain would not be detected",
    });
  }
  return {
    title: "Protection of Audit Information",
    enforced: [
      "Hash chain: each event's hash covers the previous hash and every field of the event, so an edit, deletion, insertion or reordering breaks it",
      "Signed checkpoints: the sealer signs the chain's head with Ed25519 under a key derived from the master key; the public key is at GET /api/v1/audit/public-key",
      verification.ok
        ? `Verified for the period: ${plural(verification.events, "event")}${verification.firstSeq === null ? "" : ` (seq ${verification.firstSeq} to ${verification.lastSeq})`}, ${plural(verification.checkpoints, "checkpoint")}, no problem`
        : `Verification of the period found ${plural(verification.problems.length, "problem")}`,
      "Audit data is readable only by the admin and auditor roles; retention prunes only up to a signed checkpoint, which stays as the chain's start",
    ],
    counts: {
      eventsVerified: verification.events,
      checkpointsVerified: verification.checkpoints,
      problems: verification.problems.length,
    },
    gaps,
  };
}

function generation(facts: ComplianceFacts): Draft {
  const commandEvents =
    events(facts, "command.allow") +
    events(facts, "command.deny") +
    events(facts, "command.review");
  const gaps: Gap[] = [];
  if (facts.commands.total > commandEvents) {
    gaps.push({
      text: `${plural(facts.commands.total - commandEvents, "recorded command")} without a command.* audit event`,
    });
  }
  const started = events(facts, "session.started");
  if (facts.sessions.started > started) {
    gaps.push({
      text: `${plural(facts.sessions.started - started, "recorded session")} without a session.started audit event`,
    });
  }
  const perCode: Record<string, number> = {};
  for (const [code, n] of Object.entries(facts.audit.byCode).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    perCode[code] = n;
  }
  return {
    title: "Audit Record Generation",
    enforced: [
      "Every replica writes events; one sealer at a time (a Postgres advisory lock) orders them into the chain",
      "A command's decision event is written in the same statement as its write-ahead record, so no command runs unrecorded",
      "Events generated in the period, per code, are listed in counts",
    ],
    counts: { events: facts.audit.events, ...perCode },
    gaps,
  };
}

function boundaryProtection(facts: ComplianceFacts): Draft {
  const { connectors, connections } = facts;
  const gaps: Gap[] = [];
  if (connectors.total === 0) {
    gaps.push({ text: "no connector registered: no target is reachable through Airlock yet" });
  } else if (connectors.online === 0) {
    gaps.push({
      text: `no connector online now (${plural(connectors.total, "connector")} registered): sessions cannot reach their targets`,
    });
  }
  return {
    title: "Boundary Protection",
    enforced: [
      "Connectors dial out to the control plane over gRPC: the networks of the targets open no inbound port to users or to Airlock",
      "Users and agents reach a target only through an Airlock session on a named connection, each connection behind a connector",
      "Connector tokens are stored as hashes and revocable; a revoked token ends the connector's tunnel",
    ],
    counts: {
      connectors: connectors.total,
      connectorsOnline: connectors.online,
      connectorsOffline: connectors.offline,
      connectorsNeverConnected: connectors.neverConnected,
      connections: connections.total,
      sessions: facts.sessions.started,
      connectorConnects: events(facts, "connector.connected"),
    },
    gaps,
  };
}

function incidentHandling(facts: ComplianceFacts): Draft {
  const gaps: Gap[] = [];
  if (facts.policies.reviewRules.length === 0) {
    gaps.push({
      text: "no review rules configured: suspicious commands cannot be held for a person to stop them",
    });
  }
  return {
    title: "Incident Handling",
    enforced: [
      "Revoking a key, a login or a grant, or disabling an account, ends that identity's live sessions at once",
      "Masking violations reported by connectors are recorded (connector.masking_violation)",
      "Refused session starts are recorded (session.refused); a reused refresh token revokes the whole login (auth.refresh_reuse)",
      "Held commands wait for a person's decision; break-glass approvals are flagged and audited",
    ],
    counts: {
      sessionsEndedOnRevocation: facts.sessions.endedOnRevocation,
      sessionsRefused: events(facts, "session.refused"),
      sessionsFailed: facts.sessions.byStatus["failed"] ?? 0,
      maskingViolations: events(facts, "connector.masking_violation"),
      maskedValues: facts.masking.values,
      refreshTokenReuse: events(facts, "auth.refresh_reuse"),
      identityProviderRevocations: events(facts, "auth.idp_revoked"),
      grantsRevoked: facts.grants.revoked,
      breakGlassApprovals: facts.reviews.breakGlass,
    },
    gaps,
  };
}
