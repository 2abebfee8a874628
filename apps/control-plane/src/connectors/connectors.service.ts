// Connectors: list, show, create (with its first token), delete.
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { AuditService } from "../audit/audit.service";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { PrismaService } from "../db/prisma.service";
import { Conflict } from "../errors/domain-errors";
import { auditActor, type Principal } from "../identity/auth/principal";
import { issueToken } from "../security/secret-token";
import { connectorNotFound } from "./connector-tokens.service";
import { ConnectorTokenRepository } from "./connector-token.repository";
import { type ConnectorRecord, ConnectorRepository } from "./connector.repository";
import type { ConnectorView, CreatedConnector } from "./connector.schemas";
import { toConnectorView } from "./connector.view";
import { ControlRegistry } from "./tunnel/control-registry";

@Injectable()
export class ConnectorsService {
  private readonly logger: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly prisma: PrismaService,
    private readonly connectors: ConnectorRepository,
    private readonly tokens: ConnectorTokenRepository,
    private readonly registry: ControlRegistry,
    private readonly audit: AuditService,
  ) {
    this.logger = root.child({ component: "connectors" });
  }

  async list(): Promise<ConnectorView[]> {
    const now = new Date();
    return (await this.connectors.list()).map((row) => this.view(row, now));
  }

  async get(idOrName: string): Promise<ConnectorView> {
    return this.view(await this.find(idOrName), new Date());
  }

  /** Creates the connector and its first token; the token is in the result only. */
  async create(caller: Principal, name: string): Promise<CreatedConnector> {
    const issued = issueToken("ctr");
    const { connector, token } = await this.prisma.transaction(async (tx) => {
      const row = await this.connectors.create(name, tx);
      const first = await this.tokens.create(
        { connectorId: row.id, prefix: issued.prefix, secretHash: issued.secretHash },
        tx,
      );
      return { connector: row, token: first };
    });
    this.logger.info({ connector: name }, "connector created");
    // The first token is part of this change: its id and prefix, never the token.
    await this.audit.record({
      code: "connector.created",
      outcome: "created",
      ...auditActor(caller),
      connectorName: connector.name,
      data: { id: connector.id, tokenId: token.id, tokenPrefix: token.prefix },
    });
    return { connector: this.view(connector, new Date()), token: issued.token };
  }

  /** Refuses while connections use it; ends its live control stream. */
  async delete(caller: Principal, idOrName: string): Promise<void> {
    const connector = await this.find(idOrName);
    const users = await this.connectors.connectionNamesUsing(connector.id);
    if (users.length > 0) {
      const names = users.map((n) => `"${n}"`).join(", ");
      throw new Conflict(
        `connector "${connector.name}" is used by connection${users.length > 1 ? "s" : ""} ${names}; ` +
          "delete them or move them to another connector first",
      );
    }
    const deleted = await this.connectors.delete(connector.id, connector.name);
    this.registry.disconnectConnector(connector.id, `connector "${connector.name}" was deleted`);
    if (!deleted) return;
    this.logger.info({ connector: connector.name }, "connector deleted");
    await this.audit.record({
      code: "connector.deleted",
      outcome: "deleted",
      ...auditActor(caller),
      connectorName: connector.name,
      data: { id: connector.id },
    });
  }

  /** The connector, or null; for other modules through the facade. */
  findByIdOrName(idOrName: string): Promise<ConnectorRecord | null> {
    return this.connectors.findByIdOrName(idOrName);
  }

  private async find(idOrName: string): Promise<ConnectorRecord> {
    const connector = await this.connectors.findByIdOrName(idOrName);
    if (connector === null) throw connectorNotFound(idOrName);
    return connector;
  }

  private view(row: ConnectorRecord, now: Date): ConnectorView {
    return toConnectorView(row, now, this.config.heartbeatIntervalMs);
  }
}
