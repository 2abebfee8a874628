// The data path: ClientGateway sessions, from the CLI's call to the connector's
// session stream, through the decision point (the policies in force) and the
// write-ahead recording.
import { Module } from "@nestjs/common";
import { ApprovalsModule } from "../approvals/approvals.module";
import { AuditModule } from "../audit/audit.module";
import { ConnectionsModule } from "../connections/connections.module";
import { ConnectorsModule } from "../connectors/connectors.module";
import { IdentityModule } from "../identity/identity.module";
import { PoliciesModule } from "../policies/policies.module";
import { RecordingModule } from "../recording/recording.module";
import { CancelKeys } from "./cancel-keys";
import { DecisionPoint } from "./decision";
import { GatewayService } from "./gateway.service";

@Module({
  imports: [
    ApprovalsModule,
    AuditModule,
    ConnectorsModule,
    ConnectionsModule,
    IdentityModule,
    PoliciesModule,
    RecordingModule,
  ],
  providers: [CancelKeys, DecisionPoint, GatewayService],
  exports: [GatewayService],
})
export class GatewayModule {}
