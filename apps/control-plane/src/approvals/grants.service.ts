// Access grants (JIT elevation): the request (a review of kind grant), listing, revocation
// and expiry, and the roles a user holds now on a connection (read by live sessions).
import { elevationRoles } from "@airlock/policy-core";
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { ROOT_LOGGER } from "../config/config.tokens";
import { ConnectionsService } from "../connections/connections.service";
import { InvalidInput, NotFound, PermissionDenied } from "../errors/domain-errors";
import type { Principal } from "../identity/auth/principal";
import { IdentityService } from "../identity/identity.service";
import { JobsService } from "../jobs/jobs.service";
import { PolicyDecisions } from "../policies/policy-decisions";
import type { GrantListQuery, GrantRequestBody, GrantView, ReviewView } from "./approval.schemas";
import { toGrantView } from "./approval.view";
import { ApprovalEvents } from "./approval-events";
import { type Actor, ApprovalsRepository, type GrantRecord, SYSTEM } from "./approvals.repository";
import { formatDuration } from "./format-duration";
import { ReviewsService } from "./reviews.service";

export interface Elevations {
  roles: string[];
  /** When the first of them ends; null when there are none. */
  nextExpiry: Date | null;
}

@Injectable()
export class GrantsService {
  private readonly logger: Logger;

  constructor(
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly repo: ApprovalsRepository,
    private readonly reviews: ReviewsService,
    private readonly events: ApprovalEvents,
    private readonly jobs: JobsService,
    private readonly identity: IdentityService,
    private readonly connections: ConnectionsService,
    private readonly policies: PolicyDecisions,
  ) {
    this.logger = root.child({ component: "approvals" });
  }

  /** `airlock request`: a review of kind grant for one elevation role. */
  async request(caller: Principal, body: GrantRequestBody): Promise<ReviewView> {
    const connection = await this.connections.get(body.connection).catch((err: unknown) => {
      if (err instanceof NotFound) {
        throw new InvalidInput(`connection: no connection "${body.connection}"`, "connection");
      }
      throw err;
    });
    const subject = await this.identity.findSubject(caller.userName);
    const groups = subject?.groups ?? [];
    const roles = elevationRoles(
      this.policies.current().policies,
      { user: caller.userName, groups, kind: caller.kind },
      { name: connection.name, tags: connection.tags },
    );
    const role = roles.find((r) => r.role === body.role);
    if (role === undefined) {
      const open = roles.map((r) => r.role);
      throw new InvalidInput(
        `role: no elevation role "${body.role}" is open to you on connection "${connection.name}"; ` +
          (open.length === 0
            ? "no policy offers you any elevation there"
            : `you may request: ${open.join(", ")}`),
        "role",
      );
    }
    if (body.durationSeconds * 1000 > role.maxDurationMs) {
      throw new InvalidInput(
        `durationSeconds: role "${role.role}" lasts at most ${formatDuration(role.maxDurationMs)}; ask for less`,
        "durationSeconds",
      );
    }
    const review = await this.reviews.open(
      {
        kind: "grant",
        requesterId: caller.userId,
        connectionId: connection.id,
        connectionName: connection.name,
        grantRole: role.role,
        grantDurationSeconds: body.durationSeconds,
        grantPolicies: role.policies,
        ruleId: `elevation:${role.role}`,
        approverGroups: role.approvers,
        breakGlassGroups: role.breakGlass,
        minApprovals: role.minApprovals,
        requireJustification: true,
        justification: body.reason,
        notify: role.notify,
        expiresAt: new Date(Date.now() + role.timeoutMs),
      },
      { id: caller.userId, name: caller.userName, kind: caller.kind },
      "grant.requested",
    );
    return this.reviews.view(caller, await this.reviews.voter(caller), review);
  }

  async list(caller: Principal, query: GrantListQuery): Promise<GrantView[]> {
    const scope = query.scope ?? "mine";
    if (scope === "all" && caller.role !== "admin" && caller.role !== "auditor") {
      throw new PermissionDenied("scope=all needs the admin or auditor role; use scope=mine");
    }
    const rows = await this.repo.listGrants(
      {
        ...(scope === "mine" ? { userId: caller.userId } : {}),
        ...(query.status === undefined ? {} : { status: query.status }),
      },
      query.limit ?? 100,
    );
    return this.views(rows);
  }

  /** The holder, an approver of the role (its review's groups) or an admin may revoke. */
  async revoke(caller: Principal, id: string, reason: string): Promise<GrantView> {
    const grant = await this.repo.findGrant(id);
    if (grant === null) throw new NotFound(`no grant ${id}; list them with GET /api/v1/grants`);
    if (caller.role !== "admin" && grant.userId !== caller.userId) {
      const review = await this.repo.findById(grant.reviewId);
      const groups = (await this.identity.findSubject(caller.userName))?.groups ?? [];
      const approver = groups.some((g) => review?.approverGroups.includes(g) === true);
      if (!approver) {
        throw new PermissionDenied(
          `only ${grant.user.name}, an approver of role ${grant.role} or an admin may revoke grant ${id}`,
        );
      }
    }
    const actor: Actor = { id: caller.userId, name: caller.userName, kind: caller.kind };
    const ended = await this.end(id, "revoked", actor, reason);
    if (!ended) {
      throw new InvalidInput(
        `grant ${id} is already ${grant.status}; only active grants can be revoked`,
      );
    }
    return (await this.views([(await this.repo.findGrant(id)) as GrantRecord]))[0] as GrantView;
  }

  /** Expires grant `id` when it is due (idempotent: job and sweep). */
  async expire(id: string): Promise<boolean> {
    const grant = await this.repo.findGrant(id);
    if (grant === null || grant.status !== "active" || grant.expiresAt > new Date()) return false;
    return this.end(id, "expired", SYSTEM, "its time ran out");
  }

  async expireDue(): Promise<number> {
    const due = await this.repo.transaction((tx) => this.repo.dueGrants(new Date(), tx));
    let n = 0;
    for (const g of due) if (await this.expire(g.id)) n += 1;
    return n;
  }

  async reenqueueExpiries(): Promise<void> {
    for (const g of await this.repo.activeExpiries()) {
      await this.jobs.enqueue("grant-expiry", { grantId: g.id }, { runAt: g.expiresAt });
    }
  }

  /** The elevation roles `userId` holds on a connection now. */
  async elevations(userId: string, connectionId: string): Promise<Elevations> {
    const now = new Date();
    const grants = await this.repo.activeGrants(userId, connectionId, now);
    const roles = [...new Set(grants.map((g) => g.role))].sort();
    const next = grants.reduce<Date | null>(
      (min, g) => (min === null || g.expiresAt < min ? g.expiresAt : min),
      null,
    );
    return { roles, nextExpiry: next };
  }

  private async end(
    id: string,
    to: "expired" | "revoked",
    actor: Actor,
    reason: string,
  ): Promise<boolean> {
    const now = new Date();
    const ended = await this.repo.transaction(async (tx) => {
      const grant = await this.repo.lockGrant(id, tx);
      if (grant === null || grant.status !== "active") return null;
      if (to === "expired" && grant.expiresAt > now) return null;
      await this.repo.endGrant(id, to, { userId: actor.id, reason }, now, tx);
      await this.repo.audit(
        {
          code: `grant.${to}`,
          outcome: to,
          actor,
          grantId: id,
          reviewId: grant.reviewId,
          connectionName: grant.connectionName,
          data: { role: grant.role, reason, userId: grant.userId },
        },
        tx,
      );
      return grant;
    });
    if (ended === null) return false;
    this.logger.info({ grantId: id, role: ended.role, to }, "grant ended");
    await this.events.publish({ type: "grants", userId: ended.userId });
    return true;
  }

  private async views(rows: GrantRecord[]): Promise<GrantView[]> {
    const ids = [...new Set(rows.flatMap((g) => (g.revokedById === null ? [] : [g.revokedById])))];
    const names = new Map((await this.repo.userNames(ids)).map((u) => [u.id, u]));
    return rows.map((g) =>
      toGrantView(g, g.revokedById === null ? null : (names.get(g.revokedById) ?? null)),
    );
  }
}
