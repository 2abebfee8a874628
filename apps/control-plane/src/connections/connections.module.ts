// Connections: named targets behind a connector, with their credential.
import { Module } from "@nestjs/common";
import { AuditModule } from "../audit/audit.module";
import { ConnectorsModule } from "../connectors/connectors.module";
import { DbModule } from "../db/db.module";
import { ConnectionRepository } from "./connection.repository";
import { ConnectionsController } from "./connections.controller";
import { ConnectionsService } from "./connections.service";

@Module({
  imports: [DbModule, ConnectorsModule, AuditModule],
  controllers: [ConnectionsController],
  providers: [ConnectionRepository, ConnectionsService],
  exports: [ConnectionsService],
})
export class ConnectionsModule {}
