// What other modules may use of approvals: the gateway holds, waits, claims and cancels;
// live sessions read and watch their elevations; `sessions show` reads a session's reviews.
import { Injectable } from "@nestjs/common";
import type { ReviewView } from "./approval.schemas";
import { ApprovalEvents } from "./approval-events";
import type { Actor, ReviewRecord } from "./approvals.repository";
import { type Elevations, GrantsService } from "./grants.service";
import { type HoldRequest, ReviewsService } from "./reviews.service";

export type { Elevations, HoldRequest };

/** A review as the gateway needs it. */
export interface ReviewSummary {
  id: string;
  kind: "command" | "grant";
  status: "pending" | "approved" | "rejected" | "expired" | "executed" | "cancelled";
  requesterId: string;
  connectionId: string | null;
  sql: string | null;
  ruleId: string;
  approverGroups: string[];
  minApprovals: number;
  approvals: number;
  createdAt: Date;
  expiresAt: Date;
  decidedByName: string | null;
  decisionReason: string | null;
  breakGlass: boolean;
  executionSessionId: string | null;
  connectionName: string;
  sessionId: string | null;
}

@Injectable()
export class ApprovalsFacade {
  constructor(
    private readonly reviews: ReviewsService,
    private readonly grants: GrantsService,
    private readonly events: ApprovalEvents,
  ) {}

  /** Whether a command can be held now (Redis reachable); if not, fail closed. */
  get available(): boolean {
    return this.reviews.available;
  }

  /** Opens the review of a held command; throws Unavailable when it cannot. */
  async hold(request: HoldRequest): Promise<ReviewSummary> {
    return summary(await this.reviews.hold(request));
  }

  async find(id: string): Promise<ReviewSummary | null> {
    const r = await this.reviews.find(id);
    return r === null ? null : summary(r);
  }

  /** The review once decided (not pending), or undefined when `signal` aborted first. */
  async waitForDecision(id: string, signal: AbortSignal): Promise<ReviewSummary | undefined> {
    const r = await this.reviews.waitForDecision(id, signal);
    return r === undefined ? undefined : summary(r);
  }

  /** Exactly once: true when this run may forward the approved command. */
  async claim(id: string, run: { sessionId: string; seq: number }, actor: Actor): Promise<boolean> {
    const review = await this.reviews.find(id);
    if (review === null) return false;
    return this.reviews.claim(review, run, actor);
  }

  cancel(id: string, actor: Actor, reason: string): Promise<boolean> {
    return this.reviews.cancel(id, actor, reason);
  }

  /** A held command's row after its session ended, or when it could not be held. */
  markCommand(
    sessionId: string,
    seq: number,
    status: "interrupted" | "cancelled" | "blocked",
  ): Promise<void> {
    return this.reviews.markCommand(sessionId, seq, status);
  }

  elevations(userId: string, connectionId: string): Promise<Elevations> {
    return this.grants.elevations(userId, connectionId);
  }

  /** Calls `listener` when the grants of `userId` change on any replica. */
  onGrantsChanged(userId: string, listener: () => void): () => void {
    return this.events.onGrants(userId, listener);
  }

  ofSession(sessionId: string): Promise<ReviewView[]> {
    return this.reviews.ofSession(sessionId);
  }
}

function summary(r: ReviewRecord): ReviewSummary {
  const decidedBy =
    r.decidedById === null
      ? null
      : (r.votes.find((v) => v.voterId === r.decidedById)?.voter.name ?? null);
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    requesterId: r.requesterId,
    connectionId: r.connectionId,
    sql: r.sql,
    ruleId: r.ruleId,
    approverGroups: r.approverGroups,
    minApprovals: r.minApprovals,
    approvals: r.votes.filter((v) => v.verdict === "approve").length,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    decidedByName: decidedBy,
    decisionReason: r.decisionReason,
    breakGlass: r.breakGlass,
    executionSessionId: r.executionSessionId,
    connectionName: r.connectionName,
    sessionId: r.sessionId,
  };
}
