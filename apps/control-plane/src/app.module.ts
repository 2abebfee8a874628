import { type DynamicModule, Module } from "@nestjs/common";
import { APP_FILTER } from "@nestjs/core";
import type { Logger } from "pino";
import { ApprovalsModule } from "./approvals/approvals.module";
import { AuditSinksModule } from "./audit-sinks/audit-sinks.module";
import { ComplianceModule } from "./compliance/compliance.module";
import { ConfigModule } from "./config/config.module";
import type { AppConfig } from "./config/config.types";
import { ConnectionsModule } from "./connections/connections.module";
import { ConnectorsModule } from "./connectors/connectors.module";
import { HttpErrorFilter } from "./errors/http-error.filter";
import { ExportModule } from "./export/export.module";
import { GatewayModule } from "./gateway/gateway.module";
import { GrpcModule } from "./grpc/grpc.module";
import { HealthModule } from "./health/health.module";
import { IdentityModule } from "./identity/identity.module";
import { IdentityViewModule } from "./identity-view/identity-view.module";
import { NotificationsModule } from "./notifications/notifications.module";
import { PoliciesModule } from "./policies/policies.module";
import { RecordingModule } from "./recording/recording.module";
import { SessionsModule } from "./sessions/sessions.module";

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, logger),
        HealthModule,
        IdentityModule,
        IdentityViewModule,
        ConnectorsModule,
        ConnectionsModule,
        PoliciesModule,
        ApprovalsModule,
        SessionsModule,
        RecordingModule,
        GatewayModule,
        GrpcModule,
        NotificationsModule,
        ExportModule,
        AuditSinksModule,
        ComplianceModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
    };
  }
}
