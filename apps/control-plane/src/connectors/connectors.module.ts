// Connectors: the REST resource, their tokens, and the ConnectorTunnel gRPC service.
import { Module } from "@nestjs/common";
import { AuditModule } from "../audit/audit.module";
import { DbModule } from "../db/db.module";
import { ConnectorTokenRepository } from "./connector-token.repository";
import { ConnectorTokensController } from "./connector-tokens.controller";
import { ConnectorTokensService } from "./connector-tokens.service";
import { ConnectorRepository } from "./connector.repository";
import { ConnectorsController } from "./connectors.controller";
import { ConnectorsFacade } from "./connectors.facade";
import { ConnectorsService } from "./connectors.service";
import { ConnectorTunnelService } from "./tunnel/connector-tunnel.service";
import { ControlRegistry } from "./tunnel/control-registry";
import { SessionAttachments } from "./tunnel/session-attachments";

@Module({
  imports: [DbModule, AuditModule],
  controllers: [ConnectorsController, ConnectorTokensController],
  providers: [
    ConnectorRepository,
    ConnectorTokenRepository,
    ConnectorsService,
    ConnectorTokensService,
    ControlRegistry,
    SessionAttachments,
    ConnectorTunnelService,
    ConnectorsFacade,
  ],
  exports: [ConnectorsFacade],
})
export class ConnectorsModule {}
