// The data path's writes to `sessions`: the row written before the connector is
// asked to dial (status opening), its activation, and its end.
import { Injectable } from "@nestjs/common";
import { type Db, PrismaService } from "../db/prisma.service";
import type { SessionEnd, SessionStart } from "./recording.types";

@Injectable()
export class SessionRecordsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(start: SessionStart, tx?: Db): Promise<void> {
    await (tx ?? this.prisma.client).session.create({
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
  }

  /** opening → active; a session that already ended stays ended. */
  async markActive(id: string, tx?: Db): Promise<void> {
    await (tx ?? this.prisma.client).session.updateMany({
      where: { id, status: "opening" },
      data: { status: "active" },
    });
  }

  async end(id: string, end: SessionEnd, tx?: Db): Promise<void> {
    await (tx ?? this.prisma.client).session.update({
      where: { id },
      data: {
        status: end.status,
        endedAt: end.endedAt,
        closeCode: end.closeCode,
        closeReason: end.closeReason,
      },
      select: { id: true },
    });
  }
}
