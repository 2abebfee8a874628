// Reviews: holding a command, votes, the exactly-once claim, expiry and withdrawal
// (docs/design/0006-approvals.md). Postgres decides; after each commit the change is
// published to every replica, jobs are enqueued and notifications queued.
import { Inject, Injectable } from "@nestjs/common";
import type { ReviewRequirement } from "@airlock/policy-core";
import type { Logger } from "pino";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { NotFound, PermissionDenied, Unavailable } from "../errors/domain-errors";
import type { Principal } from "../identity/auth/principal";
import { IdentityService } from "../identity/identity.service";
import { JobsService } from "../jobs/jobs.service";
import { NotificationsFacade } from "../notifications/notifications.facade";
import type {
  ApproveBody,
  RejectBody,
  ReviewDetail,
  ReviewListQuery,
  ReviewView,
} from "./approval.schemas";
import { toAuditEventView, toReviewView } from "./approval.view";
import { ApprovalEvents } from "./approval-events";
import { formatDuration } from "./format-duration";
import {
  type Actor,
  ApprovalsRepository,
  type NewReview,
  type ReviewRecord,
  SYSTEM,
} from "./approvals.repository";
import { castVote, mayVote, type ReviewState, type Voter, type VoteRequest } from "./vote-rules";

export const REDIS_DOWN_MESSAGE =
  "approvals need Redis, which is unreachable, so nothing can be held for review; nothing was run. " +
  "Try again when Redis is back, or ask an Airlock admin";

/** What the gateway knows when it holds a command. */
export interface HoldRequest {
  sessionId: string;
  seq: number;
  protocol: string;
  sql: string;
  params: unknown;
  user: { id: string; name: string; kind: string };
  connection: { id: string; name: string };
  requirement: ReviewRequirement;
  justification: string | null;
}

@Injectable()
export class ReviewsService {
  private readonly logger: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly repo: ApprovalsRepository,
    private readonly events: ApprovalEvents,
    private readonly jobs: JobsService,
    private readonly identity: IdentityService,
    private readonly notifications: NotificationsFacade,
  ) {
    this.logger = root.child({ component: "approvals" });
  }

  /** Whether a command could be held now (Redis reachable). */
  get available(): boolean {
    return this.jobs.available;
  }

  /** Opens a review for a held command; throws Unavailable when it cannot (fail closed). */
  async hold(request: HoldRequest): Promise<ReviewRecord> {
    const r = request.requirement;
    return this.open(
      {
        kind: "command",
        requesterId: request.user.id,
        connectionId: request.connection.id,
        connectionName: request.connection.name,
        sessionId: request.sessionId,
        commandSeq: request.seq,
        protocol: request.protocol,
        sql: request.sql,
        params: request.params,
        ruleId: r.ruleId,
        approverGroups: r.approvers,
        breakGlassGroups: r.breakGlass,
        minApprovals: r.minApprovals,
        requireJustification: r.requireJustification,
        justification: request.justification,
        notify: r.notify ?? [],
        expiresAt: new Date(Date.now() + r.timeoutMs),
      },
      { id: request.user.id, name: request.user.name, kind: request.user.kind },
      "review.requested",
    );
  }

  /** Inserts a review, then its expiry job; a review whose job Redis refused is cancelled. */
  async open(data: NewReview, actor: Actor, code: string): Promise<ReviewRecord> {
    if (!this.jobs.available) throw new Unavailable(REDIS_DOWN_MESSAGE);
    const review = await this.repo.createReview(data, {
      code,
      outcome: "pending",
      actor,
      sessionId: data.sessionId ?? null,
      connectionName: data.connectionName,
      data: {
        kind: data.kind,
        ruleId: data.ruleId,
        approvers: data.approverGroups,
        minApprovals: data.minApprovals,
        ...(data.sql === undefined ? {} : { sql: data.sql, commandSeq: data.commandSeq }),
        ...(data.grantRole === undefined
          ? {}
          : { role: data.grantRole, durationSeconds: data.grantDurationSeconds }),
        ...(data.justification === null ? {} : { justification: data.justification }),
        expiresAt: data.expiresAt.toISOString(),
      },
    });
    try {
      await this.jobs.enqueue(
        "review-expiry",
        { reviewId: review.id },
        { runAt: review.expiresAt },
      );
    } catch (err) {
      this.logger.warn({ err, reviewId: review.id }, "could not enqueue the review's expiry");
      await this.cancel(review.id, SYSTEM, "Redis refused the review's expiry job").catch(
        () => undefined,
      );
      throw new Unavailable(REDIS_DOWN_MESSAGE);
    }
    this.notify(`${data.kind === "grant" ? "grant" : "review"}.requested`, review);
    return review;
  }

  async approve(caller: Principal, id: string, body: ApproveBody): Promise<ReviewView> {
    return this.vote(caller, id, {
      verdict: "approve",
      reason: body.reason,
      breakGlass: body.breakGlass,
    });
  }

  async reject(caller: Principal, id: string, body: RejectBody): Promise<ReviewView> {
    return this.vote(caller, id, { verdict: "reject", reason: body.reason });
  }

  private async vote(caller: Principal, id: string, request: VoteRequest): Promise<ReviewView> {
    const voter = await this.voter(caller);
    const now = new Date();
    const actor: Actor = { id: caller.userId, name: caller.userName, kind: caller.kind };
    let issued: { id: string; userId: string; expiresAt: Date } | undefined;
    const { outcome, review } = await this.repo.transaction(async (tx) => {
      const locked = await this.repo.lock(id, tx);
      if (locked === null || !this.mayRead(caller, voter, locked)) throw this.notFound(id);
      const result = castVote(await this.stateOf(locked), voter, request, now);
      const reason = request.reason?.trim() || null;
      await this.repo.addVote(
        id,
        {
          voterId: caller.userId,
          verdict: request.verdict,
          reason,
          breakGlass: result.breakGlass,
        },
        tx,
      );
      const common = {
        actor,
        reviewId: id,
        sessionId: locked.sessionId,
        connectionName: locked.connectionName,
      };
      await this.repo.audit(
        {
          ...common,
          code: "review.vote",
          outcome: request.verdict,
          data: { reason, breakGlass: result.breakGlass, approvals: result.approvals },
        },
        tx,
      );
      if (result.kind === "approved") {
        await this.repo.finish(
          locked,
          ["pending"],
          "approved",
          { userId: caller.userId, reason, breakGlass: result.breakGlass },
          now,
          tx,
        );
        await this.repo.audit(
          {
            ...common,
            code: "review.approved",
            outcome: "approved",
            data: { approvals: result.approvals, breakGlass: result.breakGlass, reason },
          },
          tx,
        );
        if (locked.kind === "grant") {
          const seconds = locked.grantDurationSeconds ?? 0;
          const grant = await this.repo.createGrant(
            {
              reviewId: id,
              userId: locked.requesterId,
              connectionId: locked.connectionId,
              connectionName: locked.connectionName,
              role: locked.grantRole ?? "",
              policies: locked.grantPolicies,
              startsAt: now,
              expiresAt: new Date(now.getTime() + seconds * 1000),
            },
            tx,
          );
          await this.repo.audit(
            {
              ...common,
              actor: SYSTEM,
              grantId: grant.id,
              code: "grant.issued",
              outcome: "active",
              data: {
                user: locked.requester.name,
                role: grant.role,
                policies: grant.policies,
                expiresAt: grant.expiresAt.toISOString(),
              },
            },
            tx,
          );
          issued = grant;
        }
      } else if (result.kind === "rejected") {
        await this.repo.finish(
          locked,
          ["pending"],
          "rejected",
          { userId: caller.userId, reason },
          now,
          tx,
        );
        await this.repo.audit(
          { ...common, code: "review.rejected", outcome: "rejected", data: { reason } },
          tx,
        );
      }
      return { outcome: result, review: locked };
    });
    if (outcome.kind !== "recorded") {
      await this.events.publish({ type: "review", id, status: outcome.kind });
      this.notify(`review.${outcome.kind}`, (await this.repo.findById(id)) ?? review);
      if (issued !== undefined) {
        const grant = issued;
        await this.jobs
          .enqueue("grant-expiry", { grantId: grant.id }, { runAt: grant.expiresAt })
          .catch((err: unknown) =>
            this.logger.warn(
              { err, grantId: grant.id },
              "grant expiry job not queued; the sweep expires it",
            ),
          );
        await this.events.publish({ type: "grants", userId: grant.userId });
      }
    }
    return this.view(caller, voter, (await this.repo.findById(id)) as ReviewRecord);
  }

  /** Exactly once: true when this session won the right to run the approved command. */
  async claim(
    review: ReviewRecord,
    run: { sessionId: string; seq: number },
    actor: Actor,
  ): Promise<boolean> {
    const at = new Date();
    const won = await this.repo.claim(review.id, run, at);
    if (!won) return false;
    await this.repo
      .audit({
        code: "review.executed",
        outcome: "executed",
        actor,
        reviewId: review.id,
        sessionId: run.sessionId,
        connectionName: review.connectionName,
        data: { commandSeq: run.seq, heldInSession: review.sessionId },
      })
      .catch((err: unknown) => this.logger.warn({ err }, "could not audit an execution"));
    await this.events.publish({ type: "review", id: review.id, status: "executed" });
    return true;
  }

  /** Withdraws a pending or approved review (Ctrl-C, or it could not be held). */
  async cancel(id: string, actor: Actor, reason: string): Promise<boolean> {
    const done = await this.repo.transaction(async (tx) => {
      const locked = await this.repo.lock(id, tx);
      if (locked === null) return false;
      const ok = await this.repo.finish(
        locked,
        ["pending", "approved"],
        "cancelled",
        { userId: actor.id, reason },
        new Date(),
        tx,
      );
      if (ok) {
        await this.repo.audit(
          {
            code: "review.cancelled",
            outcome: "cancelled",
            actor,
            reviewId: id,
            sessionId: locked.sessionId,
            connectionName: locked.connectionName,
            data: { reason },
          },
          tx,
        );
      }
      return ok;
    });
    if (done) await this.events.publish({ type: "review", id, status: "cancelled" });
    return done;
  }

  /** Expires review `id` if it is pending and due (idempotent: job, sweep, waiting session). */
  async expire(id: string): Promise<boolean> {
    const now = new Date();
    const expired = await this.repo.transaction(async (tx) => {
      const locked = await this.repo.lock(id, tx);
      if (locked === null || locked.status !== "pending" || locked.expiresAt > now) return null;
      const approvals = locked.votes.filter((v) => v.verdict === "approve").length;
      const reason = `no decision within ${formatDuration(locked.expiresAt.getTime() - locked.createdAt.getTime())} (${approvals} of ${locked.minApprovals} approvals)`;
      await this.repo.finish(locked, ["pending"], "expired", { userId: null, reason }, now, tx);
      await this.repo.audit(
        {
          code: "review.expired",
          outcome: "expired",
          actor: SYSTEM,
          reviewId: id,
          sessionId: locked.sessionId,
          connectionName: locked.connectionName,
          data: { reason, approvals },
        },
        tx,
      );
      return locked;
    });
    if (expired === null) return false;
    await this.events.publish({ type: "review", id, status: "expired" });
    this.notify("review.expired", (await this.repo.findById(id)) ?? expired);
    return true;
  }

  /** Expires every due pending review (the safety net; also right after boot). */
  async expireDue(): Promise<number> {
    const due = await this.repo.transaction((tx) => this.repo.duePending(new Date(), tx));
    let n = 0;
    for (const id of due) if (await this.expire(id)) n += 1;
    return n;
  }

  /** Re-enqueues the expiry job of every pending review (after Redis lost its jobs). */
  async reenqueueExpiries(): Promise<void> {
    for (const r of await this.repo.pendingExpiries()) {
      await this.jobs.enqueue("review-expiry", { reviewId: r.id }, { runAt: r.expiresAt });
    }
  }

  find(id: string): Promise<ReviewRecord | null> {
    return this.repo.findById(id);
  }

  async markCommand(
    sessionId: string,
    seq: number,
    status: "interrupted" | "cancelled" | "blocked",
  ): Promise<void> {
    await this.repo.setCommandStatus(sessionId, seq, status, "held");
  }

  /**
   * Resolves with the review once it is no longer pending (or undefined when `signal`
   * aborts). Listens for pub/sub, re-reads every `pollMs`, and expires it itself when due.
   */
  async waitForDecision(
    id: string,
    signal: AbortSignal,
    pollMs = 2000,
  ): Promise<ReviewRecord | undefined> {
    let wake: (() => void) | undefined;
    const unsubscribe = this.events.onReview(id, () => wake?.());
    const onAbort = (): void => wake?.();
    signal.addEventListener("abort", onAbort);
    try {
      for (;;) {
        if (signal.aborted) return undefined;
        const review = await this.repo.findById(id).catch((err: unknown) => {
          this.logger.warn({ err, reviewId: id }, "could not read a held review; retrying");
          return undefined;
        });
        if (review === null) return undefined;
        if (review !== undefined && review.status !== "pending") return review;
        if (review !== undefined && review.expiresAt.getTime() <= Date.now()) {
          await this.expire(id).catch(() => false);
          continue;
        }
        const untilExpiry =
          review === undefined ? pollMs : review.expiresAt.getTime() - Date.now() + 50;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(10, Math.min(pollMs, untilExpiry)));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    } finally {
      unsubscribe();
      signal.removeEventListener("abort", onAbort);
    }
  }

  // ---- reads -------------------------------------------------------------------------

  async list(caller: Principal, query: ReviewListQuery): Promise<ReviewView[]> {
    const voter = await this.voter(caller);
    const scope = query.scope ?? "to-approve";
    const limit = query.limit ?? 100;
    let rows: ReviewRecord[];
    if (scope === "all") {
      if (caller.role !== "admin" && caller.role !== "auditor") {
        throw new PermissionDenied("scope=all needs the admin or auditor role; use scope=mine");
      }
      rows = await this.repo.list(
        query.status === undefined ? {} : { status: query.status },
        limit,
      );
    } else if (scope === "mine") {
      // Mine: what I asked for, and what the service accounts I own asked for.
      const owned = await this.identity.ownedServiceAccounts(caller.userId);
      rows = await this.repo.list(
        {
          requesterIds: [caller.userId, ...owned],
          ...(query.status === undefined ? {} : { status: query.status }),
        },
        limit,
      );
    } else {
      if (voter.groups.length === 0) return [];
      rows = await this.repo.list(
        { status: query.status ?? "pending", approverGroups: voter.groups },
        limit,
      );
      rows = rows.filter((r) => r.requesterId !== caller.userId);
      if (query.status === undefined || query.status === "pending") {
        const states = await Promise.all(rows.map((r) => this.stateOf(r)));
        rows = rows.filter((_, i) => mayVote(states[i] as ReviewState, voter));
      }
    }
    return Promise.all(rows.map((r) => this.view(caller, voter, r)));
  }

  async get(caller: Principal, id: string): Promise<ReviewDetail> {
    const voter = await this.voter(caller);
    const review = await this.repo.findById(id);
    if (review === null || !this.mayRead(caller, voter, review)) throw this.notFound(id);
    const trail = await this.repo.trail({
      reviewId: id,
      ...(review.grant === null ? {} : { grantId: review.grant.id }),
    });
    return { ...(await this.view(caller, voter, review)), trail: trail.map(toAuditEventView) };
  }

  /** Reviews of one session's commands, for `airlock sessions show` (no permission check). */
  async ofSession(sessionId: string): Promise<ReviewView[]> {
    const rows = await this.repo.list({ sessionId }, 500);
    const none: Voter = { userId: "", name: "", groups: [] };
    return Promise.all(
      rows.reverse().map(async (r) =>
        toReviewView(r, {
          decidedBy: await this.decidedBy(r),
          canVote: mayVote(await this.stateOf(r), none),
        }),
      ),
    );
  }

  async view(caller: Principal, voter: Voter, review: ReviewRecord): Promise<ReviewView> {
    const state = await this.stateOf(review);
    return toReviewView(review, {
      decidedBy: await this.decidedBy(review),
      canVote: caller.userId !== "" && mayVote(state, voter),
    });
  }

  private mayRead(caller: Principal, voter: Voter, review: ReviewRecord): boolean {
    if (caller.role === "admin" || caller.role === "auditor") return true;
    if (review.requesterId === caller.userId) return true;
    if (review.requester.owner?.id === caller.userId) return true;
    return voter.groups.some(
      (g) => review.approverGroups.includes(g) || review.breakGlassGroups.includes(g),
    );
  }

  async voter(caller: Principal): Promise<Voter> {
    const subject = await this.identity.findSubject(caller.userName);
    return { userId: caller.userId, name: caller.userName, groups: subject?.groups ?? [] };
  }

  private async stateOf(review: ReviewRecord): Promise<ReviewState> {
    return {
      id: review.id,
      status: review.status,
      requesterId: review.requesterId,
      approverGroups: review.approverGroups,
      breakGlassGroups: review.breakGlassGroups,
      minApprovals: review.minApprovals,
      expiresAt: review.expiresAt,
      votes: review.votes.map((v) => ({ voterId: v.voterId, verdict: v.verdict })),
      decidedByName: (await this.decidedBy(review))?.name ?? null,
    };
  }

  private async decidedBy(review: ReviewRecord): Promise<{ id: string; name: string } | null> {
    const id = review.decidedById;
    if (id === null) return null;
    const fromVotes = review.votes.find((v) => v.voterId === id)?.voter;
    if (fromVotes !== undefined) return fromVotes;
    if (id === review.requesterId) return review.requester;
    const [user] = await this.repo.userNames([id]);
    return user ?? null;
  }

  private notFound(id: string): NotFound {
    return new NotFound(
      `no review ${id} that you may see; list yours with GET /api/v1/reviews?scope=mine`,
    );
  }

  /** Queues webhook notifications; never throws (a failed notification is logged). */
  notify(event: string, review: ReviewRecord): void {
    const payload = {
      review: {
        id: review.id,
        kind: review.kind,
        status: review.status,
        sql: review.sql,
        connection: review.connectionName,
        requester: review.requester.name,
        requesterKind: review.requester.kind,
        // A service account's owner: the human accountable for the agent's request.
        owner: review.requester.owner?.name ?? null,
        role: review.grantRole,
        durationSeconds: review.grantDurationSeconds,
        justification: review.justification,
        ruleId: review.ruleId,
        approvers: review.approverGroups,
        minApprovals: review.minApprovals,
        expiresAt: review.expiresAt.toISOString(),
        decisionReason: review.decisionReason,
        approveUrl: `${this.config.publicUrl}/api/v1/reviews/${review.id}/approve`,
        rejectUrl: `${this.config.publicUrl}/api/v1/reviews/${review.id}/reject`,
      },
    };
    this.notifications
      .notify(event, payload, { reviewId: review.id, webhookNames: review.notify })
      .catch((err: unknown) =>
        this.logger.warn({ err, reviewId: review.id }, "notification failed"),
      );
  }
}
