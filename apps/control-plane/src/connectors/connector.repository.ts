import { Injectable } from "@nestjs/common";
import { type Db, PrismaService } from "../db/prisma.service";
import { isForeignKeyViolation, isUniqueViolation } from "../db/prisma-errors";
import { Conflict } from "../errors/domain-errors";
import type { Connector } from "../generated/prisma/client";
import { isUuid } from "../validation/common.schemas";

export type ConnectorRecord = Connector;

export interface HelloFacts {
  version: string;
  hostname: string;
  capabilities: string[];
  instanceId: string;
}

@Injectable()
export class ConnectorRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(tx?: Db): Promise<ConnectorRecord[]> {
    return (tx ?? this.prisma.client).connector.findMany({ orderBy: { name: "asc" } });
  }

  /** By id when the value is a UUID (falling back to the name), else by name. */
  async findByIdOrName(idOrName: string, tx?: Db): Promise<ConnectorRecord | null> {
    const db = tx ?? this.prisma.client;
    if (isUuid(idOrName)) {
      const byId = await db.connector.findUnique({ where: { id: idOrName.toLowerCase() } });
      if (byId !== null) return byId;
    }
    return db.connector.findUnique({ where: { name: idOrName } });
  }

  async create(name: string, tx?: Db): Promise<ConnectorRecord> {
    try {
      return await (tx ?? this.prisma.client).connector.create({ data: { name } });
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`a connector named "${name}" already exists`);
      throw err;
    }
  }

  /** Deletes the connector and its tokens; Conflict while connections still use it. */
  async delete(id: string, name: string, tx?: Db): Promise<boolean> {
    try {
      const { count } = await (tx ?? this.prisma.client).connector.deleteMany({ where: { id } });
      return count > 0;
    } catch (err) {
      if (isForeignKeyViolation(err)) {
        throw new Conflict(
          `connector "${name}" is still used by connections; delete them or move them first`,
        );
      }
      throw err;
    }
  }

  async connectionNamesUsing(connectorId: string, tx?: Db): Promise<string[]> {
    const rows = await (tx ?? this.prisma.client).connection.findMany({
      where: { connectorId },
      select: { name: true },
      orderBy: { name: "asc" },
    });
    return rows.map((row) => row.name);
  }

  /** A hello arrived: the connector is connected as of `at`. False if it no longer exists. */
  async recordHello(id: string, facts: HelloFacts, at: Date, tx?: Db): Promise<boolean> {
    const { count } = await (tx ?? this.prisma.client).connector.updateMany({
      where: { id },
      data: { ...facts, connectedAt: at, lastHeartbeatAt: at, disconnectedAt: null },
    });
    return count > 0;
  }

  /**
   * One UPDATE per heartbeat. Applies only while the token that opened the stream is
   * still valid, so a revocation or deletion made on any replica ends the stream at
   * the next heartbeat: false means "disconnect this connector".
   */
  async touchHeartbeat(id: string, tokenId: string, at: Date, tx?: Db): Promise<boolean> {
    const count = await (tx ?? this.prisma.client).$executeRaw`
      UPDATE connectors SET last_heartbeat_at = ${at}
       WHERE id = ${id}::uuid
         AND EXISTS (SELECT 1 FROM connector_tokens t
                      WHERE t.id = ${tokenId}::uuid AND t.connector_id = connectors.id AND t.revoked_at IS NULL)`;
    return count > 0;
  }

  /**
   * The stream that connected at `connectedAt` ended. Matching on connectedAt keeps a
   * late disconnect of an old stream from marking a newer connection (possibly on
   * another replica) offline.
   */
  async recordDisconnect(id: string, connectedAt: Date, at: Date, tx?: Db): Promise<void> {
    await (tx ?? this.prisma.client).connector.updateMany({
      where: { id, connectedAt },
      data: { disconnectedAt: at },
    });
  }
}
