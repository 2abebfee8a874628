// Reviews, votes, grants and their audit events. Every state change is one transaction:
// the review row is locked (FOR UPDATE) so concurrent votes, claims and expiries
// serialise, and the held command's row changes in the same transaction.
import { Injectable } from "@nestjs/common";
import { type Db, type DbTx, PrismaService } from "../db/prisma.service";
import { isUniqueViolation } from "../db/prisma-errors";
import type { Grant, Prisma, Review, ReviewVote } from "../generated/prisma/client";
import { newGrantId, newReviewId } from "./review-id";
import type { ReviewStatusValue } from "./vote-rules";

const withPeople = {
  requester: {
    select: { id: true, name: true, kind: true, owner: { select: { id: true, name: true } } },
  },
  votes: { include: { voter: { select: { id: true, name: true } } }, orderBy: { at: "asc" } },
  grant: { select: { id: true } },
} as const;

export type ReviewRecord = Review & {
  /** A service account's owner is the human accountable for it, who sees its reviews. */
  requester: {
    id: string;
    name: string;
    kind: "human" | "service_account";
    owner: { id: string; name: string } | null;
  };
  votes: (ReviewVote & { voter: { id: string; name: string } })[];
  grant: { id: string } | null;
};

export type GrantRecord = Grant & { user: { id: string; name: string } };

export interface Actor {
  id: string | null;
  name: string | null;
  kind: string | null;
}

export const SYSTEM: Actor = { id: null, name: "airlock", kind: "system" };

export interface AuditFields {
  code: string;
  outcome: string;
  actor: Actor;
  sessionId?: string | null;
  reviewId?: string | null;
  grantId?: string | null;
  connectionName?: string | null;
  data?: Record<string, unknown>;
}

export interface NewReview {
  kind: "command" | "grant";
  requesterId: string;
  connectionId: string | null;
  connectionName: string;
  sessionId?: string;
  commandSeq?: number;
  protocol?: string;
  sql?: string;
  params?: unknown;
  grantRole?: string;
  grantDurationSeconds?: number;
  grantPolicies?: string[];
  ruleId: string;
  approverGroups: string[];
  breakGlassGroups: string[];
  minApprovals: number;
  requireJustification: boolean;
  justification: string | null;
  notify: string[];
  expiresAt: Date;
}

/** What the command row of a review becomes when the review ends without running. */
const COMMAND_STATUS_AFTER: Partial<Record<ReviewStatusValue, string>> = {
  rejected: "rejected",
  expired: "expired",
  cancelled: "cancelled",
};

@Injectable()
export class ApprovalsRepository {
  constructor(private readonly prisma: PrismaService) {}

  transaction<T>(fn: (tx: DbTx) => Promise<T>): Promise<T> {
    return this.prisma.transaction(fn);
  }

  /** Inserts a review (a fresh id on the rare collision) and its `requested` event. */
  async createReview(data: NewReview, audit: Omit<AuditFields, "reviewId">): Promise<ReviewRecord> {
    for (let attempt = 0; ; attempt++) {
      const id = newReviewId();
      try {
        return await this.prisma.transaction(async (tx) => {
          const created = await tx.review.create({
            data: {
              id,
              kind: data.kind,
              requesterId: data.requesterId,
              connectionId: data.connectionId,
              connectionName: data.connectionName,
              sessionId: data.sessionId ?? null,
              commandSeq: data.commandSeq ?? null,
              protocol: data.protocol ?? null,
              sql: data.sql ?? null,
              params: data.params ?? undefined,
              grantRole: data.grantRole ?? null,
              grantDurationSeconds: data.grantDurationSeconds ?? null,
              grantPolicies: data.grantPolicies ?? [],
              ruleId: data.ruleId,
              approverGroups: data.approverGroups,
              breakGlassGroups: data.breakGlassGroups,
              minApprovals: data.minApprovals,
              requireJustification: data.requireJustification,
              justification: data.justification,
              notify: data.notify,
              expiresAt: data.expiresAt,
            },
            include: withPeople,
          });
          if (data.sessionId !== undefined && data.commandSeq !== undefined) {
            await tx.command.update({
              where: { sessionId_seq: { sessionId: data.sessionId, seq: data.commandSeq } },
              data: { reviewId: id },
            });
          }
          await this.audit({ ...audit, reviewId: id }, tx);
          return created;
        });
      } catch (err) {
        if (attempt < 3 && isUniqueViolation(err)) continue;
        throw err;
      }
    }
  }

  findById(id: string, tx?: Db): Promise<ReviewRecord | null> {
    return (tx ?? this.prisma.client).review.findUnique({ where: { id }, include: withPeople });
  }

  /** Locks the review row for the rest of the transaction and reads it. */
  async lock(id: string, tx: DbTx): Promise<ReviewRecord | null> {
    await tx.$queryRaw`SELECT id FROM reviews WHERE id = ${id} FOR UPDATE`;
    return this.findById(id, tx);
  }

  list(
    filter: {
      status?: ReviewStatusValue;
      /** Reviews requested by any of these users. */
      requesterIds?: readonly string[];
      /** Pending reviews whose approver or break-glass groups include one of these. */
      approverGroups?: readonly string[];
      sessionId?: string;
    },
    limit: number,
  ): Promise<ReviewRecord[]> {
    const where: Prisma.ReviewWhereInput = {};
    if (filter.status !== undefined) where.status = filter.status;
    if (filter.requesterIds !== undefined) where.requesterId = { in: [...filter.requesterIds] };
    if (filter.sessionId !== undefined) {
      where.OR = [{ sessionId: filter.sessionId }, { executionSessionId: filter.sessionId }];
    }
    if (filter.approverGroups !== undefined) {
      where.OR = [
        { approverGroups: { hasSome: [...filter.approverGroups] } },
        { breakGlassGroups: { hasSome: [...filter.approverGroups] } },
      ];
    }
    return this.prisma.client.review.findMany({
      where,
      include: withPeople,
      orderBy: { createdAt: "desc" },
      take: limit,
    });
  }

  addVote(
    reviewId: string,
    vote: {
      voterId: string;
      verdict: "approve" | "reject";
      reason: string | null;
      breakGlass: boolean;
    },
    tx: DbTx,
  ): Promise<ReviewVote> {
    return tx.reviewVote.create({ data: { reviewId, ...vote } });
  }

  /**
   * Moves a locked review to a final status; the held command's row follows (rejected,
   * expired, cancelled). Returns false when the review was not in `from`.
   */
  async finish(
    review: ReviewRecord,
    from: readonly ReviewStatusValue[],
    to: "approved" | "rejected" | "expired" | "cancelled",
    by: { userId: string | null; reason: string | null; breakGlass?: boolean },
    at: Date,
    tx: DbTx,
  ): Promise<boolean> {
    const updated = await tx.review.updateMany({
      where: { id: review.id, status: { in: [...from] } },
      data: {
        status: to,
        decidedAt: at,
        decidedById: by.userId,
        decisionReason: by.reason,
        ...(by.breakGlass === true ? { breakGlass: true } : {}),
      },
    });
    if (updated.count === 0) return false;
    const commandStatus = COMMAND_STATUS_AFTER[to];
    if (commandStatus !== undefined && review.sessionId !== null && review.commandSeq !== null) {
      await tx.$executeRaw`UPDATE commands SET status = ${commandStatus}::"CommandStatus", completed_at = ${at}
        WHERE session_id = ${review.sessionId}::uuid AND seq = ${review.commandSeq} AND status = 'held'`;
    }
    return true;
  }

  /**
   * Exactly once: approved → executed for this session, and the command row that runs
   * it goes from held to pending (write-ahead) in the same transaction.
   */
  async claim(
    reviewId: string,
    run: { sessionId: string; seq: number },
    at: Date,
  ): Promise<boolean> {
    return this.prisma.transaction(async (tx) => {
      const updated = await tx.review.updateMany({
        where: { id: reviewId, status: "approved" },
        data: { status: "executed", executedAt: at, executionSessionId: run.sessionId },
      });
      if (updated.count === 0) return false;
      await tx.$executeRaw`UPDATE commands SET status = 'pending', review_id = ${reviewId}
        WHERE session_id = ${run.sessionId}::uuid AND seq = ${run.seq}`;
      return true;
    });
  }

  /** Marks a held command row (the session ended while it waited, or it was not held). */
  async setCommandStatus(
    sessionId: string,
    seq: number,
    status: "interrupted" | "cancelled" | "blocked",
    from: "held",
  ): Promise<void> {
    await this.prisma.client
      .$executeRaw`UPDATE commands SET status = ${status}::"CommandStatus", completed_at = now()
      WHERE session_id = ${sessionId}::uuid AND seq = ${seq} AND status = ${from}::"CommandStatus"`;
  }

  /** Pending reviews whose time is up (locked, skipping rows another replica holds). */
  async duePending(now: Date, tx: DbTx): Promise<string[]> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM reviews WHERE status = 'pending' AND expires_at <= ${now}
      ORDER BY expires_at LIMIT 100 FOR UPDATE SKIP LOCKED`;
    return rows.map((r) => r.id);
  }

  pendingExpiries(): Promise<{ id: string; expiresAt: Date }[]> {
    return this.prisma.client.review.findMany({
      where: { status: "pending" },
      select: { id: true, expiresAt: true },
    });
  }

  // ---- grants ------------------------------------------------------------------------

  async createGrant(
    data: {
      reviewId: string;
      userId: string;
      connectionId: string | null;
      connectionName: string;
      role: string;
      policies: string[];
      startsAt: Date;
      expiresAt: Date;
    },
    tx: DbTx,
  ): Promise<Grant> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await tx.grant.create({ data: { id: newGrantId(), ...data } });
      } catch (err) {
        if (attempt < 3 && isUniqueViolation(err)) continue;
        throw err;
      }
    }
  }

  findGrant(id: string, tx?: Db): Promise<GrantRecord | null> {
    return (tx ?? this.prisma.client).grant.findUnique({
      where: { id },
      include: { user: { select: { id: true, name: true } } },
    });
  }

  async lockGrant(id: string, tx: DbTx): Promise<Grant | null> {
    await tx.$queryRaw`SELECT id FROM grants WHERE id = ${id} FOR UPDATE`;
    return tx.grant.findUnique({ where: { id } });
  }

  listGrants(
    filter: { userId?: string; status?: "active" | "expired" | "revoked" },
    limit: number,
  ): Promise<GrantRecord[]> {
    return this.prisma.client.grant.findMany({
      where: {
        ...(filter.userId === undefined ? {} : { userId: filter.userId }),
        ...(filter.status === undefined ? {} : { status: filter.status }),
      },
      include: { user: { select: { id: true, name: true } } },
      orderBy: { startsAt: "desc" },
      take: limit,
    });
  }

  /** Active, unexpired grants of a user on a connection. */
  activeGrants(userId: string, connectionId: string, now: Date): Promise<Grant[]> {
    return this.prisma.client.grant.findMany({
      where: { userId, connectionId, status: "active", expiresAt: { gt: now } },
    });
  }

  async endGrant(
    id: string,
    to: "expired" | "revoked",
    by: { userId: string | null; reason: string | null },
    at: Date,
    tx: DbTx,
  ): Promise<boolean> {
    const updated = await tx.grant.updateMany({
      where: { id, status: "active" },
      data: {
        status: to,
        endedAt: at,
        ...(to === "revoked" ? { revokedById: by.userId, revokeReason: by.reason } : {}),
      },
    });
    return updated.count > 0;
  }

  async dueGrants(now: Date, tx: DbTx): Promise<{ id: string; userId: string }[]> {
    return tx.$queryRaw<{ id: string; userId: string }[]>`
      SELECT id, user_id AS "userId" FROM grants WHERE status = 'active' AND expires_at <= ${now}
      ORDER BY expires_at LIMIT 100 FOR UPDATE SKIP LOCKED`;
  }

  activeExpiries(): Promise<{ id: string; expiresAt: Date }[]> {
    return this.prisma.client.grant.findMany({
      where: { status: "active" },
      select: { id: true, expiresAt: true },
    });
  }

  userNames(ids: readonly string[]): Promise<{ id: string; name: string }[]> {
    return this.prisma.client.user.findMany({
      where: { id: { in: [...ids] } },
      select: { id: true, name: true },
    });
  }

  // ---- audit -------------------------------------------------------------------------

  /**
   * Writes an approvals event. Its correlation id links it to the rest of the story
   * (docs/design/0010-audit.md): the session of a held command, else the review of an
   * access request (grants carry the review that issued them).
   */
  async audit(event: AuditFields, tx?: Db): Promise<void> {
    const db = tx ?? this.prisma.client;
    const review =
      event.reviewId === undefined || event.reviewId === null
        ? null
        : await db.review.findUnique({
            where: { id: event.reviewId },
            select: { sessionId: true, sql: true, ruleId: true },
          });
    const sessionId = event.sessionId ?? review?.sessionId ?? null;
    await db.auditEvent.create({
      data: {
        correlationId: sessionId ?? event.reviewId ?? event.grantId ?? null,
        command: review?.sql ?? null,
        ruleIds: review?.ruleId == null ? [] : [review.ruleId],
        code: event.code,
        outcome: event.outcome,
        actorId: event.actor.id,
        actorName: event.actor.name,
        actorKind: event.actor.kind,
        sessionId,
        reviewId: event.reviewId ?? null,
        grantId: event.grantId ?? null,
        connectionName: event.connectionName ?? null,
        data: (event.data ?? {}) as Prisma.InputJsonValue,
      },
    });
  }

  trail(filter: { reviewId?: string; grantId?: string }): Promise<
    {
      id: bigint;
      code: string;
      outcome: string;
      at: Date;
      actorName: string | null;
      data: unknown;
    }[]
  > {
    const or: Prisma.AuditEventWhereInput[] = [];
    if (filter.reviewId !== undefined) or.push({ reviewId: filter.reviewId });
    if (filter.grantId !== undefined) or.push({ grantId: filter.grantId });
    return this.prisma.client.auditEvent.findMany({
      where: { OR: or },
      orderBy: { id: "asc" },
      select: { id: true, code: true, outcome: true, at: true, actorName: true, data: true },
    });
  }
}
