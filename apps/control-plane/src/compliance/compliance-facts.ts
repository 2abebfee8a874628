// What the NIST SP 800-53 report is built from (docs/design/0010-audit.md, "Evidence and
// replay"): counts read from the store for a period [from, to) plus the state now, and what
// the policies in force say. Pure types and one pure summary of the policy documents.
import type { PolicyDocument } from "@airlock/policy-core";

/** Counts over the period unless the name says "now". */
export interface ComplianceFacts {
  sessions: {
    /** Sessions started in the period. */
    started: number;
    byStatus: Record<string, number>;
    /** Ended by Airlock because the identity was revoked (key, login, grant, user disabled). */
    endedOnRevocation: number;
  };
  /** Commands received in the period, by policy decision. */
  commands: { total: number; allow: number; deny: number; review: number };
  /** Reviews (held commands and grant requests) requested in the period, by their status now. */
  reviews: {
    requested: number;
    approved: number;
    rejected: number;
    expired: number;
    cancelled: number;
    executed: number;
    pending: number;
    breakGlass: number;
  };
  /** Access grants (JIT elevations) that started in the period, by their status now. */
  grants: { issued: number; active: number; expired: number; revoked: number; activeNow: number };
  /** Values masked in results of commands received in the period. */
  masking: { values: number; byEntity: Record<string, number>; commands: number };
  /** Now. */
  connectors: { total: number; online: number; offline: number; neverConnected: number };
  /** Now: every connection sits behind a connector. */
  connections: { total: number; byType: Record<string, number> };
  /** Now, except `createdInPeriod`. */
  users: {
    humans: number;
    serviceAccounts: number;
    serviceAccountsWithoutOwner: number;
    disabled: number;
    byRole: Record<string, number>;
    createdInPeriod: number;
  };
  /** Now, except `createdInPeriod` and `revokedInPeriod`. */
  apiKeys: {
    active: number;
    revoked: number;
    expired: number;
    activeWithoutExpiry: number;
    createdInPeriod: number;
    revokedInPeriod: number;
  };
  /** Audit events in the period. */
  audit: {
    events: number;
    byCode: Record<string, number>;
    /** Push sinks that have taken events (their cursors), now. */
    sinks: number;
  };
  /** A few audit event ids (newest first) per code, in the period. */
  samples: Record<string, string[]>;
  policies: PolicyFacts;
}

/** What the policies in force provide. */
export interface PolicyFacts {
  names: string[];
  /** `policy/rule` ids of rules whose action is review. */
  reviewRules: string[];
  /** `policy/rule` ids of rules whose action is deny. */
  denyRules: string[];
  /** Roles of elevation (JIT grant) policies. */
  elevationRoles: string[];
  /** Policies with mask rules. */
  maskingPolicies: string[];
}

export function policyFacts(documents: readonly PolicyDocument[]): PolicyFacts {
  const ruleIds = (action: string): string[] =>
    documents.flatMap((doc) =>
      doc.rules.filter((rule) => rule.action === action).map((rule) => `${doc.name}/${rule.id}`),
    );
  return {
    names: documents.map((doc) => doc.name).sort(),
    reviewRules: ruleIds("review").sort(),
    denyRules: ruleIds("deny").sort(),
    elevationRoles: [
      ...new Set(documents.flatMap((doc) => (doc.elevation ? [doc.elevation.role] : []))),
    ].sort(),
    maskingPolicies: documents
      .filter((doc) => (doc.mask?.length ?? 0) > 0)
      .map((doc) => doc.name)
      .sort(),
  };
}
