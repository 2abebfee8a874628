// audit_sinks and their cursors in audit_sink_cursors (sink = the sink's id). A sink and its
// cursor are created and deleted together; the cursor only moves forward, by a conditional
// update from the seq the delivery started at.
import { Injectable } from "@nestjs/common";
import { type Db, PrismaService } from "../db/prisma.service";
import { isUniqueViolation } from "../db/prisma-errors";
import { Conflict } from "../errors/domain-errors";
import type { AuditSink } from "../generated/prisma/client";

/** Holds the sealed secret: never put it in a view, a message or a log. */
export type AuditSinkRecord = AuditSink;

export interface AuditSinkFields {
  id: string;
  name: string;
  kind: "webhook" | "syslog";
  format: "ocsf" | "cef" | "jsonl";
  url: string | null;
  secretCiphertext: Uint8Array<ArrayBuffer> | null;
  syslogHost: string | null;
  syslogPort: number | null;
  syslogTransport: "tcp" | "tls" | null;
  syslogCaPem: string | null;
  enabled: boolean;
}

/** Where to start a new sink's cursor: 0 (everything kept) or the chain's head now. */
export type CursorStart = "beginning" | "now";

const MAX_ERROR_CHARS = 500;

@Injectable()
export class AuditSinkRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(tx?: Db): Promise<AuditSinkRecord[]> {
    return (tx ?? this.prisma.client).auditSink.findMany({ orderBy: { name: "asc" } });
  }

  findByName(name: string, tx?: Db): Promise<AuditSinkRecord | null> {
    return (tx ?? this.prisma.client).auditSink.findUnique({ where: { name } });
  }

  findById(id: string, tx?: Db): Promise<AuditSinkRecord | null> {
    return (tx ?? this.prisma.client).auditSink.findUnique({ where: { id } });
  }

  /** The seq of the newest sealed event (0 when none is). */
  async head(tx?: Db): Promise<bigint> {
    const { _max } = await (tx ?? this.prisma.client).auditEvent.aggregate({
      _max: { seq: true },
    });
    return _max.seq ?? 0n;
  }

  /** Creates the sink and its cursor in one transaction; Conflict when the name is taken. */
  async create(fields: AuditSinkFields, start: CursorStart): Promise<AuditSinkRecord> {
    try {
      return await this.prisma.transaction(async (tx) => {
        const row = await tx.auditSink.create({ data: fields });
        const seq = start === "now" ? await this.head(tx) : 0n;
        await tx.auditSinkCursor.create({ data: { sink: row.id, seq } });
        return row;
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new Conflict(
          `an audit sink named "${fields.name}" already exists; delete it first or choose another name`,
        );
      throw err;
    }
  }

  /** Deletes the sink and its cursor; false when it was already gone. */
  delete(id: string): Promise<boolean> {
    return this.prisma.transaction(async (tx) => {
      await tx.auditSinkCursor.deleteMany({ where: { sink: id } });
      const { count } = await tx.auditSink.deleteMany({ where: { id } });
      return count > 0;
    });
  }

  /** The cursor of each sink id given (sinks without one are absent). */
  async cursors(ids: readonly string[], tx?: Db): Promise<Map<string, bigint>> {
    const rows = await (tx ?? this.prisma.client).auditSinkCursor.findMany({
      where: { sink: { in: [...ids] } },
    });
    return new Map(rows.map((row) => [row.sink, row.seq]));
  }

  async cursor(id: string, tx?: Db): Promise<bigint | null> {
    const row = await (tx ?? this.prisma.client).auditSinkCursor.findUnique({
      where: { sink: id },
    });
    return row?.seq ?? null;
  }

  /** Ids of the enabled sinks whose cursor is behind `head`. */
  async behind(head: bigint, tx?: Db): Promise<string[]> {
    const db = tx ?? this.prisma.client;
    const sinks = await db.auditSink.findMany({ where: { enabled: true }, select: { id: true } });
    if (sinks.length === 0) return [];
    const cursors = await this.cursors(
      sinks.map((s) => s.id),
      db,
    );
    return sinks.map((s) => s.id).filter((id) => (cursors.get(id) ?? head) < head);
  }

  /**
   * Moves the cursor from `from` to `to` and records the delivery, only if the cursor is
   * still at `from` (another delivery did not move it meanwhile); false otherwise.
   */
  advance(id: string, from: bigint, to: bigint, at: Date): Promise<boolean> {
    return this.prisma.transaction(async (tx) => {
      const { count } = await tx.auditSinkCursor.updateMany({
        where: { sink: id, seq: from },
        data: { seq: to },
      });
      if (count === 0) return false;
      await tx.auditSink.updateMany({
        where: { id },
        data: { lastDeliveredAt: at, lastError: null, lastErrorAt: null },
      });
      return true;
    });
  }

  /** Records why an attempt failed (a short class of error: no secret, no URL). */
  async recordFailure(id: string, error: string, at: Date, tx?: Db): Promise<void> {
    await (tx ?? this.prisma.client).auditSink.updateMany({
      where: { id },
      data: { lastError: error.slice(0, MAX_ERROR_CHARS), lastErrorAt: at },
    });
  }

  /** The accountable owner of each of these service accounts that has one. */
  async owners(
    userIds: readonly string[],
    tx?: Db,
  ): Promise<Map<string, { id: string; name: string }>> {
    if (userIds.length === 0) return new Map();
    const rows = await (tx ?? this.prisma.client).user.findMany({
      where: { id: { in: [...userIds] }, kind: "service_account", ownerId: { not: null } },
      select: { id: true, owner: { select: { id: true, name: true } } },
    });
    const owners = new Map<string, { id: string; name: string }>();
    for (const row of rows) if (row.owner !== null) owners.set(row.id, row.owner);
    return owners;
  }
}
