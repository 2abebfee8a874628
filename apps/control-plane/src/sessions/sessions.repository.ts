// Reads of recorded sessions and their commands. The live data path writes them
// (src/recording); this side only lists and shows.
import { Injectable } from "@nestjs/common";
import { type Db, PrismaService } from "../db/prisma.service";
import type { Command, Prisma, Session, SessionEvent } from "../generated/prisma/client";
import type { SessionCursor } from "./session-cursor";
import type { TimelineKey } from "./session-events-cursor";
import type { SessionStatus } from "./session.schemas";

export type SessionRecord = Session & {
  user: {
    id: string;
    name: string;
    kind: "human" | "service_account";
    owner: { id: string; name: string } | null;
  };
  connector: { id: string; name: string } | null;
  _count: { commands: number };
};
export type CommandRecord = Command;
export type SessionWithCommands = SessionRecord & { commands: CommandRecord[] };
export type SessionEventRecord = SessionEvent;

/** A review's audit event, as the session timeline shows it. */
export interface ReviewAuditRecord {
  id: bigint;
  code: string;
  outcome: string;
  at: Date;
  actorName: string | null;
  actorKind: string | null;
  sessionId: string | null;
  reviewId: string | null;
  data: unknown;
}

/** The rows behind one page of a session's timeline. */
export interface TimelineRows {
  events: SessionEventRecord[];
  commands: CommandRecord[];
  reviewEvents: ReviewAuditRecord[];
  /** The commands of this session each review of the page is about. */
  reviewCommands: { reviewId: string; seq: number }[];
}

/** Ranks of the timeline's sources among entries of the same millisecond. */
export const TIMELINE_RANKS = {
  "session.started": 0,
  "session.event": 1,
  command: 2,
  review: 3,
  "session.ended": 4,
} as const;

/** Every set field narrows the result; unset fields do not filter. */
export interface SessionFilter {
  userId?: string;
  userName?: string;
  connectionName?: string;
  status?: SessionStatus;
  /** Inclusive. */
  startedFrom?: Date;
  /** Exclusive. */
  startedBefore?: Date;
}

export interface SessionPage {
  limit: number;
  /** Only sessions after this one in newest-first order. */
  after?: SessionCursor;
}

const withSummary = {
  user: {
    select: { id: true, name: true, kind: true, owner: { select: { id: true, name: true } } },
  },
  connector: { select: { id: true, name: true } },
  _count: { select: { commands: true } },
} as const;

@Injectable()
export class SessionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Newest first: by startedAt, then id, both descending (the keyset of the cursor). */
  list(filter: SessionFilter, page: SessionPage, tx?: Db): Promise<SessionRecord[]> {
    return (tx ?? this.prisma.client).session.findMany({
      where: { AND: conditions(filter, page.after) },
      include: withSummary,
      orderBy: [{ startedAt: "desc" }, { id: "desc" }],
      take: page.limit,
    });
  }

  /** The session with its summary (user, connector, command count), without its commands. */
  findSummary(id: string, tx?: Db): Promise<SessionRecord | null> {
    return (tx ?? this.prisma.client).session.findUnique({ where: { id }, include: withSummary });
  }

  /**
   * One page of the keys of a session's timeline, in order: the session's start, its
   * session_events, its commands, the audit events of its reviews (those with this session's
   * id, and those of any review one of its commands names) and its end. Entries are ordered
   * by time, with what happened before the start (the approval of a review an
   * `exec --review` session runs) placed at the start; then by TIMELINE_RANKS, then by id.
   */
  async timelineKeys(
    session: { id: string; startedAt: Date },
    after: TimelineKey | undefined,
    limit: number,
    tx?: Db,
  ): Promise<TimelineKey[]> {
    const { id, startedAt } = session;
    // Every key sorts at or after (startedAt, 0, 0): without a cursor, start just before it.
    const from = after ?? { sortAt: startedAt, rank: -1, key: -1n };
    const rows = await (tx ?? this.prisma.client).$queryRaw<
      { sort_at: Date; rank: number; key: bigint }[]
    >`
      SELECT sort_at, rank, key FROM (
        SELECT s.started_at AS sort_at, ${TIMELINE_RANKS["session.started"]}::int AS rank,
               0::bigint AS key
          FROM sessions s WHERE s.id = ${id}::uuid
        UNION ALL
        SELECT GREATEST(e.at, ${startedAt}::timestamptz), ${TIMELINE_RANKS["session.event"]}::int,
               e.seq::bigint
          FROM session_events e WHERE e.session_id = ${id}::uuid
        UNION ALL
        SELECT GREATEST(c.received_at, ${startedAt}::timestamptz), ${TIMELINE_RANKS.command}::int,
               c.seq::bigint
          FROM commands c WHERE c.session_id = ${id}::uuid
        UNION ALL
        SELECT GREATEST(a.at, ${startedAt}::timestamptz), ${TIMELINE_RANKS.review}::int, a.id
          FROM audit_events a
         WHERE a.code LIKE 'review.%'
           AND (a.session_id = ${id}::uuid
                OR a.review_id IN (SELECT c.review_id FROM commands c
                                    WHERE c.session_id = ${id}::uuid AND c.review_id IS NOT NULL))
        UNION ALL
        SELECT GREATEST(s.ended_at, ${startedAt}::timestamptz), ${TIMELINE_RANKS["session.ended"]}::int,
               0::bigint
          FROM sessions s WHERE s.id = ${id}::uuid AND s.ended_at IS NOT NULL
      ) t
      WHERE (sort_at, rank, key) > (${from.sortAt}::timestamptz, ${from.rank}::int, ${from.key.toString()}::bigint)
      ORDER BY sort_at, rank, key
      LIMIT ${limit}::int`;
    return rows.map((r) => ({ sortAt: r.sort_at, rank: Number(r.rank), key: BigInt(r.key) }));
  }

  /** The rows the keys of one timeline page name. */
  async timelineRows(
    sessionId: string,
    keys: readonly TimelineKey[],
    tx?: Db,
  ): Promise<TimelineRows> {
    const db = tx ?? this.prisma.client;
    const of = (rank: number): bigint[] => keys.filter((k) => k.rank === rank).map((k) => k.key);
    const eventSeqs = of(TIMELINE_RANKS["session.event"]).map(Number);
    const commandSeqs = of(TIMELINE_RANKS.command).map(Number);
    const auditIds = of(TIMELINE_RANKS.review);
    const [events, commands, reviewEvents] = await Promise.all([
      eventSeqs.length === 0
        ? []
        : db.sessionEvent.findMany({ where: { sessionId, seq: { in: eventSeqs } } }),
      commandSeqs.length === 0
        ? []
        : db.command.findMany({ where: { sessionId, seq: { in: commandSeqs } } }),
      auditIds.length === 0
        ? []
        : db.auditEvent.findMany({
            where: { id: { in: auditIds } },
            select: {
              id: true,
              code: true,
              outcome: true,
              at: true,
              actorName: true,
              actorKind: true,
              sessionId: true,
              reviewId: true,
              data: true,
            },
          }),
    ]);
    const reviewIds = [
      ...new Set(reviewEvents.flatMap((e) => (e.reviewId === null ? [] : [e.reviewId]))),
    ];
    const reviewCommands =
      reviewIds.length === 0
        ? []
        : await db.command.findMany({
            where: { sessionId, reviewId: { in: reviewIds } },
            select: { reviewId: true, seq: true },
            orderBy: { seq: "asc" },
          });
    return {
      events,
      commands,
      reviewEvents,
      reviewCommands: reviewCommands.flatMap((c) =>
        c.reviewId === null ? [] : [{ reviewId: c.reviewId, seq: c.seq }],
      ),
    };
  }

  /** The session with its commands in seq order. */
  findWithCommands(id: string, tx?: Db): Promise<SessionWithCommands | null> {
    return (tx ?? this.prisma.client).session.findUnique({
      where: { id },
      include: { ...withSummary, commands: { orderBy: { seq: "asc" } } },
    });
  }
}

function conditions(
  filter: SessionFilter,
  after: SessionCursor | undefined,
): Prisma.SessionWhereInput[] {
  const and: Prisma.SessionWhereInput[] = [];
  if (filter.userId !== undefined) and.push({ userId: filter.userId });
  if (filter.userName !== undefined) and.push({ user: { name: filter.userName } });
  if (filter.connectionName !== undefined) {
    const name = filter.connectionName;
    and.push({ OR: [{ connectionName: name }, { connection: { name } }] });
  }
  if (filter.status !== undefined) and.push({ status: filter.status });
  if (filter.startedFrom !== undefined) and.push({ startedAt: { gte: filter.startedFrom } });
  if (filter.startedBefore !== undefined) and.push({ startedAt: { lt: filter.startedBefore } });
  if (after !== undefined) {
    and.push({
      OR: [
        { startedAt: { lt: after.startedAt } },
        { startedAt: after.startedAt, id: { lt: after.id } },
      ],
    });
  }
  return and;
}
