// The compliance report's reads: counts over a period [from, to) and the state at `at`, in a
// handful of aggregate queries run side by side. Read-only; the only file of the compliance
// module that touches the store.
import { Injectable } from "@nestjs/common";
import { PrismaService } from "../db/prisma.service";
import type { ComplianceFacts } from "./compliance-facts";

/** Everything the store gives; the service adds the policies and the connectors' status. */
export type StoredFacts = Omit<ComplianceFacts, "policies" | "connectors">;

/** What a connector's status is computed from (connectors/connector-status.ts). */
export interface ConnectorState {
  connectedAt: Date | null;
  lastHeartbeatAt: Date | null;
  disconnectedAt: Date | null;
}

export interface FactsQuery {
  from: Date;
  to: Date;
  /** "Now" for the state counts (active keys, active grants). */
  at: Date;
  /** Sample event ids kept per code. */
  samplesPerCode: number;
}

interface Counted {
  key: string;
  n: number;
}

@Injectable()
export class ComplianceRepository {
  constructor(private readonly prisma: PrismaService) {}

  async facts(q: FactsQuery): Promise<StoredFacts> {
    const [
      sessions,
      endedOnRevocation,
      decisions,
      masked,
      maskedCommands,
      reviews,
      breakGlass,
      grants,
      activeGrants,
      connections,
      users,
      usersCreated,
      apiKeys,
      codes,
      sinks,
      samples,
    ] = await Promise.all([
      this.sessionsByStatus(q),
      this.one(this.db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM sessions
        WHERE ended_at >= ${q.from} AND ended_at < ${q.to} AND close_code = 'unauthenticated'`),
      this.db.$queryRaw<Counted[]>`
        SELECT decision::text AS key, count(*)::int AS n FROM commands
        WHERE received_at >= ${q.from} AND received_at < ${q.to}
        GROUP BY decision`,
      this.db.$queryRaw<{ key: string; n: string }[]>`
        SELECT e.key AS key, sum(e.value::numeric)::text AS n
        FROM commands c CROSS JOIN LATERAL jsonb_each_text(
          CASE WHEN jsonb_typeof(c.mask_counts) = 'object' THEN c.mask_counts ELSE '{}'::jsonb END
        ) AS e
        WHERE c.received_at >= ${q.from} AND c.received_at < ${q.to}
          AND c.mask_counts IS NOT NULL AND e.value ~ '^[0-9]+$'
        GROUP BY e.key`,
      this.one(this.db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM commands
        WHERE received_at >= ${q.from} AND received_at < ${q.to}
          AND mask_counts IS NOT NULL AND mask_counts <> '{}'::jsonb`),
      this.db.$queryRaw<Counted[]>`
        SELECT status::text AS key, count(*)::int AS n FROM reviews
        WHERE created_at >= ${q.from} AND created_at < ${q.to}
        GROUP BY status`,
      this.one(this.db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM reviews
        WHERE created_at >= ${q.from} AND created_at < ${q.to} AND break_glass`),
      this.db.$queryRaw<Counted[]>`
        SELECT status::text AS key, count(*)::int AS n FROM grants
        WHERE starts_at >= ${q.from} AND starts_at < ${q.to}
        GROUP BY status`,
      this.one(this.db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM grants
        WHERE status = 'active' AND starts_at <= ${q.at} AND expires_at > ${q.at}`),
      this.db.$queryRaw<Counted[]>`
        SELECT type::text AS key, count(*)::int AS n FROM connections GROUP BY type`,
      this.db.$queryRaw<
        { kind: string; role: string; disabled: boolean; owned: boolean; n: number }[]
      >`
        SELECT kind::text AS kind, role::text AS role, disabled_at IS NOT NULL AS disabled,
          owner_id IS NOT NULL AS owned, count(*)::int AS n
        FROM users GROUP BY 1, 2, 3, 4`,
      this.one(this.db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM users
        WHERE created_at >= ${q.from} AND created_at < ${q.to}`),
      this.db.$queryRaw<ApiKeyCounts[]>`
        SELECT
          count(*) FILTER (WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${q.at}))::int AS active,
          count(*) FILTER (WHERE revoked_at IS NOT NULL)::int AS revoked,
          count(*) FILTER (WHERE revoked_at IS NULL AND expires_at <= ${q.at})::int AS expired,
          count(*) FILTER (WHERE revoked_at IS NULL AND expires_at IS NULL)::int AS never_expire,
          count(*) FILTER (WHERE created_at >= ${q.from} AND created_at < ${q.to})::int AS created,
          count(*) FILTER (WHERE revoked_at >= ${q.from} AND revoked_at < ${q.to})::int AS revoked_in_period
        FROM api_keys`,
      this.db.$queryRaw<Counted[]>`
        SELECT code AS key, count(*)::int AS n FROM audit_events
        WHERE at >= ${q.from} AND at < ${q.to}
        GROUP BY code`,
      this.one(this.db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM audit_sink_cursors`),
      this.db.$queryRaw<{ code: string; id: string }[]>`
        SELECT code, id::text AS id FROM (
          SELECT code, id, row_number() OVER (PARTITION BY code ORDER BY id DESC) AS rn
          FROM audit_events WHERE at >= ${q.from} AND at < ${q.to}
        ) ranked
        WHERE rn <= ${q.samplesPerCode}
        ORDER BY code, id DESC`,
    ]);

    const decided = record(decisions);
    const reviewStatus = record(reviews);
    const grantStatus = record(grants);
    const byEntity: Record<string, number> = {};
    for (const row of masked) byEntity[row.key] = Number(row.n);
    const keys = apiKeys[0];
    const sampleIds: Record<string, string[]> = {};
    for (const row of samples) (sampleIds[row.code] ??= []).push(row.id);
    const byCode = record(codes);

    return {
      sessions: {
        started: sum(sessions),
        byStatus: record(sessions),
        endedOnRevocation,
      },
      commands: {
        total: sum(decisions),
        allow: decided["allow"] ?? 0,
        deny: decided["deny"] ?? 0,
        review: decided["review"] ?? 0,
      },
      reviews: {
        requested: sum(reviews),
        approved: (reviewStatus["approved"] ?? 0) + (reviewStatus["executed"] ?? 0),
        rejected: reviewStatus["rejected"] ?? 0,
        expired: reviewStatus["expired"] ?? 0,
        cancelled: reviewStatus["cancelled"] ?? 0,
        executed: reviewStatus["executed"] ?? 0,
        pending: reviewStatus["pending"] ?? 0,
        breakGlass,
      },
      grants: {
        issued: sum(grants),
        active: grantStatus["active"] ?? 0,
        expired: grantStatus["expired"] ?? 0,
        revoked: grantStatus["revoked"] ?? 0,
        activeNow: activeGrants,
      },
      masking: {
        values: Object.values(byEntity).reduce((a, b) => a + b, 0),
        byEntity,
        commands: maskedCommands,
      },
      connections: { total: sum(connections), byType: record(connections) },
      users: {
        humans: users.filter((u) => u.kind === "human").reduce((a, u) => a + u.n, 0),
        serviceAccounts: users
          .filter((u) => u.kind === "service_account")
          .reduce((a, u) => a + u.n, 0),
        serviceAccountsWithoutOwner: users
          .filter((u) => u.kind === "service_account" && !u.owned && !u.disabled)
          .reduce((a, u) => a + u.n, 0),
        disabled: users.filter((u) => u.disabled).reduce((a, u) => a + u.n, 0),
        byRole: users.reduce<Record<string, number>>((acc, u) => {
          acc[u.role] = (acc[u.role] ?? 0) + u.n;
          return acc;
        }, {}),
        createdInPeriod: usersCreated,
      },
      apiKeys: {
        active: keys?.active ?? 0,
        revoked: keys?.revoked ?? 0,
        expired: keys?.expired ?? 0,
        activeWithoutExpiry: keys?.never_expire ?? 0,
        createdInPeriod: keys?.created ?? 0,
        revokedInPeriod: keys?.revoked_in_period ?? 0,
      },
      audit: { events: sum(codes), byCode, sinks },
      samples: sampleIds,
    };
  }

  /** Every connector's connection times, for its status now. */
  connectorStates(): Promise<ConnectorState[]> {
    return this.db.connector.findMany({
      select: { connectedAt: true, lastHeartbeatAt: true, disconnectedAt: true },
    });
  }

  private get db() {
    return this.prisma.client;
  }

  private sessionsByStatus(q: FactsQuery): Promise<Counted[]> {
    return this.db.$queryRaw<Counted[]>`
      SELECT status::text AS key, count(*)::int AS n FROM sessions
      WHERE started_at >= ${q.from} AND started_at < ${q.to}
      GROUP BY status`;
  }

  private async one(rows: Promise<{ n: number }[]>): Promise<number> {
    return (await rows)[0]?.n ?? 0;
  }
}

interface ApiKeyCounts {
  active: number;
  revoked: number;
  expired: number;
  never_expire: number;
  created: number;
  revoked_in_period: number;
}

function record(rows: readonly Counted[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const row of rows) out[row.key] = row.n;
  return out;
}

function sum(rows: readonly Counted[]): number {
  return rows.reduce((total, row) => total + row.n, 0);
}
