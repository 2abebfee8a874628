// Policies: versioned policy documents (REST), simulation, and the decision facade the
// gateway uses (PolicyDecisions, the module's one export).
import { type MiddlewareConsumer, Module, type NestModule } from "@nestjs/common";
import { AuditModule } from "../audit/audit.module";
import { ConnectionsModule } from "../connections/connections.module";
import { DbModule } from "../db/db.module";
import { IdentityModule } from "../identity/identity.module";
import { PoliciesController } from "./policies.controller";
import { PoliciesService } from "./policies.service";
import { PolicyDecisions } from "./policy-decisions";
import { PolicySimulator } from "./policy-simulator";
import { PolicyRepository } from "./policy.repository";
import { YamlBodyMiddleware } from "./yaml-body.middleware";

@Module({
  imports: [DbModule, IdentityModule, ConnectionsModule, AuditModule],
  controllers: [PoliciesController],
  providers: [PolicyRepository, PolicyDecisions, PoliciesService, PolicySimulator],
  exports: [PolicyDecisions],
})
export class PoliciesModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(YamlBodyMiddleware).forRoutes(PoliciesController);
  }
}
