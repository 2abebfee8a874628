// Retention's deletes (docs/design/0010-audit.md), in batches so no run holds long locks.
import { Injectable } from "@nestjs/common";
import { PrismaService } from "../db/prisma.service";

const BATCH = 5000;

@Injectable()
export class RetentionRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Clears the recorded result rows of commands completed before `cutoff`. */
  async clearResultSamples(cutoff: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.prisma.client.$executeRaw`
        UPDATE commands SET result_sample = NULL
        WHERE id IN (SELECT id FROM commands
                     WHERE result_sample IS NOT NULL AND received_at < ${cutoff} LIMIT ${BATCH})`;
      total += n;
      if (n < BATCH) return total;
    }
  }

  /**
   * Deletes sessions that ended before `cutoff` with their commands and session events.
   * A session a review still names stays (with its commands): reviews are evidence of
   * who approved what, and they outlive the commands only by that reference.
   */
  async deleteSessions(
    cutoff: Date,
  ): Promise<{ sessions: number; commands: number; sessionEvents: number }> {
    const totals = { sessions: 0, commands: 0, sessionEvents: 0 };
    for (;;) {
      const ids = await this.prisma.client.$queryRaw<{ id: string }[]>`
        SELECT s.id FROM sessions s
        WHERE s.ended_at IS NOT NULL AND s.ended_at < ${cutoff}
          AND NOT EXISTS (SELECT 1 FROM reviews r
                          WHERE r.session_id = s.id OR r.execution_session_id = s.id)
        LIMIT ${BATCH}`;
      if (ids.length === 0) return totals;
      const list = ids.map((r) => r.id);
      await this.prisma.transaction(async (tx) => {
        totals.commands += await tx.$executeRaw`
          DELETE FROM commands WHERE session_id = ANY(${list}::uuid[])`;
        totals.sessionEvents += await tx.$executeRaw`
          DELETE FROM session_events WHERE session_id = ANY(${list}::uuid[])`;
        totals.sessions += await tx.$executeRaw`
          DELETE FROM sessions WHERE id = ANY(${list}::uuid[])`;
      });
      if (ids.length < BATCH) return totals;
    }
  }

  /**
   * The newest checkpoint whose event happened before `cutoff`: audit events are pruned up
   * to it, and it stays as the chain's start.
   */
  async anchorBefore(cutoff: Date): Promise<bigint | null> {
    const rows = await this.prisma.client.$queryRaw<{ seq: string }[]>`
      SELECT c.seq::text AS seq FROM audit_checkpoints c
      JOIN audit_events e ON e.seq = c.seq
      WHERE e.at < ${cutoff}
      ORDER BY c.seq DESC LIMIT 1`;
    const seq = rows[0]?.seq;
    return seq === undefined ? null : BigInt(seq);
  }

  /** Deletes audit events with seq <= `anchor`, and the checkpoints before the anchor. */
  async pruneAudit(anchor: bigint): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.prisma.client.$executeRaw`
        DELETE FROM audit_events WHERE id IN (
          SELECT id FROM audit_events WHERE seq <= ${anchor} ORDER BY seq LIMIT ${BATCH})`;
      total += n;
      if (n < BATCH) break;
    }
    await this.prisma.client.$executeRaw`DELETE FROM audit_checkpoints WHERE seq < ${anchor}`;
    return total;
  }
}
