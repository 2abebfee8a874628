// Store rows → REST shapes (approval.schemas.ts).
import { iso } from "../validation/common.schemas";
import type { AuditEventView, GrantView, ReviewView } from "./approval.schemas";
import type { GrantRecord, ReviewRecord } from "./approvals.repository";

export function toReviewView(
  r: ReviewRecord,
  extra: { decidedBy: { id: string; name: string } | null; canVote: boolean },
): ReviewView {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    requester: r.requester,
    connection: r.connectionName,
    sessionId: r.sessionId,
    commandSeq: r.commandSeq,
    sql: r.sql,
    grantRole: r.grantRole,
    grantDurationSeconds: r.grantDurationSeconds,
    ruleId: r.ruleId,
    approvers: r.approverGroups,
    breakGlassGroups: r.breakGlassGroups,
    minApprovals: r.minApprovals,
    approvals: r.votes.filter((v) => v.verdict === "approve").length,
    justification: r.justification,
    createdAt: iso(r.createdAt),
    expiresAt: iso(r.expiresAt),
    decidedAt: iso(r.decidedAt),
    decidedBy: extra.decidedBy,
    decisionReason: r.decisionReason,
    breakGlass: r.breakGlass,
    executedAt: iso(r.executedAt),
    executionSessionId: r.executionSessionId,
    grantId: r.grant?.id ?? null,
    votes: r.votes.map((v) => ({
      voter: v.voter,
      verdict: v.verdict,
      reason: v.reason,
      breakGlass: v.breakGlass,
      at: iso(v.at),
    })),
    canVote: extra.canVote,
  };
}

export function toGrantView(
  g: GrantRecord,
  revokedBy: { id: string; name: string } | null,
): GrantView {
  return {
    id: g.id,
    reviewId: g.reviewId,
    user: g.user,
    connection: g.connectionName,
    role: g.role,
    policies: g.policies,
    status: g.status,
    startsAt: iso(g.startsAt),
    expiresAt: iso(g.expiresAt),
    endedAt: iso(g.endedAt),
    revokedBy,
    revokeReason: g.revokeReason,
  };
}

export function toAuditEventView(e: {
  id: bigint;
  code: string;
  outcome: string;
  at: Date;
  actorName: string | null;
  data: unknown;
}): AuditEventView {
  return {
    id: e.id.toString(),
    code: e.code,
    outcome: e.outcome,
    at: iso(e.at),
    actor: e.actorName,
    data: (e.data ?? {}) as Record<string, unknown>,
  };
}
