// Reads of recorded sessions and their commands. The live data path writes them
// (src/recording); this side only lists and shows.
import { Injectable } from "@nestjs/common";
import { type Db, PrismaService } from "../db/prisma.service";
import type { Command, Prisma, Session } from "../generated/prisma/client";
import type { SessionCursor } from "./session-cursor";
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
