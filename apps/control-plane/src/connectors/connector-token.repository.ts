import { Injectable } from "@nestjs/common";
import { type Db, PrismaService } from "../db/prisma.service";
import type { Connector, ConnectorToken } from "../generated/prisma/client";

export type ConnectorTokenRecord = ConnectorToken;
export type ConnectorTokenWithConnector = ConnectorToken & { connector: Connector };

@Injectable()
export class ConnectorTokenRepository {
  constructor(private readonly prisma: PrismaService) {}

  findByPrefix(prefix: string, tx?: Db): Promise<ConnectorTokenWithConnector | null> {
    return (tx ?? this.prisma.client).connectorToken.findUnique({
      where: { prefix },
      include: { connector: true },
    });
  }

  list(connectorId: string, tx?: Db): Promise<ConnectorTokenRecord[]> {
    return (tx ?? this.prisma.client).connectorToken.findMany({
      where: { connectorId },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
  }

  create(
    data: { connectorId: string; prefix: string; secretHash: Buffer },
    tx?: Db,
  ): Promise<ConnectorTokenRecord> {
    return (tx ?? this.prisma.client).connectorToken.create({
      data: { ...data, secretHash: new Uint8Array(data.secretHash) },
    });
  }

  /** Sets revokedAt unless already set; null when the connector has no such token. */
  async revoke(
    id: string,
    connectorId: string,
    at: Date,
    tx?: Db,
  ): Promise<ConnectorTokenRecord | null> {
    const db = tx ?? this.prisma.client;
    await db.connectorToken.updateMany({
      where: { id, connectorId, revokedAt: null },
      data: { revokedAt: at },
    });
    return db.connectorToken.findFirst({ where: { id, connectorId } });
  }

  async touchLastUsed(id: string, at: Date, tx?: Db): Promise<void> {
    await (tx ?? this.prisma.client).connectorToken.updateMany({
      where: { id },
      data: { lastUsedAt: at },
    });
  }
}
