// The data path's writes to `sessions`: the row written before the connector is
// asked to dial (status opening), its activation, and its end. The start and the end are
// also audit events (session.started / session.ended, docs/design/0010-audit.md), written
// in the same transaction from the session row itself.
import { Injectable } from "@nestjs/common";
import { type Db, PrismaService } from "../db/prisma.service";
import type { SessionEnd, SessionStart } from "./recording.types";

@Injectable()
export class SessionRecordsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(start: SessionStart, tx?: Db): Promise<void> {
    if (tx === undefined) {
      await this.prisma.transaction((own) => this.create(start, own));
      return;
    }
    await tx.session.create({
      data: {
        id: start.id,
        userId: start.userId,
        connectionId: start.connectionId,
        connectorId: start.connectorId,
        connectionName: start.connectionName,
        protocol: start.protocol,
        clientAddress: start.clientAddress,
        status: "opening",
      },
      select: { id: true },
    });
    await tx.$executeRaw`
      INSERT INTO audit_events (code, outcome, at, actor_id, actor_name, actor_kind, session_id,
        connection_name, connector_name, source_address, correlation_id, data)
      SELECT 'session.started', 'started', s.started_at, u.id, u.name, u.kind::text, s.id,
        s.connection_name, c.name, s.client_address, s.id::text,
        jsonb_build_object('protocol', s.protocol)
      FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN connectors c ON c.id = s.connector_id
      WHERE s.id = ${start.id}::uuid`;
  }

  /** opening → active; a session that already ended stays ended. */
  async markActive(id: string, tx?: Db): Promise<void> {
    await (tx ?? this.prisma.client).session.updateMany({
      where: { id, status: "opening" },
      data: { status: "active" },
    });
  }

  async end(id: string, end: SessionEnd, tx?: Db): Promise<void> {
    if (tx === undefined) {
      await this.prisma.transaction((own) => this.end(id, end, own));
      return;
    }
    await tx.session.update({
      where: { id },
      data: {
        status: end.status,
        endedAt: end.endedAt,
        closeCode: end.closeCode,
        closeReason: end.closeReason,
      },
      select: { id: true },
    });
    await tx.$executeRaw`
      INSERT INTO audit_events (code, outcome, at, actor_id, actor_name, actor_kind, session_id,
        connection_name, connector_name, source_address, correlation_id, data)
      SELECT 'session.ended', 'ended', coalesce(s.ended_at, now()), u.id, u.name, u.kind::text,
        s.id, s.connection_name, c.name, s.client_address, s.id::text,
        jsonb_build_object('status', s.status::text, 'closeCode', s.close_code,
          'reason', s.close_reason, 'commands', (SELECT count(*) FROM commands WHERE session_id = s.id))
      FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN connectors c ON c.id = s.connector_id
      WHERE s.id = ${id}::uuid`;
  }
}
