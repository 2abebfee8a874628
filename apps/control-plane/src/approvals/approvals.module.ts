// Approvals: reviews of held commands, access grants (JIT elevation), their expiry on
// BullMQ, release across replicas on Redis pub/sub (docs/design/0006-approvals.md).
import { Module } from "@nestjs/common";
import { ConnectionsModule } from "../connections/connections.module";
import { DbModule } from "../db/db.module";
import { IdentityModule } from "../identity/identity.module";
import { JobsModule } from "../jobs/jobs.module";
import { NotificationsModule } from "../notifications/notifications.module";
import { PoliciesModule } from "../policies/policies.module";
import { RedisModule } from "../redis/redis.module";
import { ApprovalEvents } from "./approval-events";
import { ApprovalsFacade } from "./approvals.facade";
import { ApprovalsRepository } from "./approvals.repository";
import { ApprovalsScheduler } from "./approvals.scheduler";
import { GrantsController } from "./grants.controller";
import { GrantsService } from "./grants.service";
import { ReviewsController } from "./reviews.controller";
import { ReviewsService } from "./reviews.service";

@Module({
  imports: [
    DbModule,
    RedisModule,
    JobsModule,
    IdentityModule,
    ConnectionsModule,
    PoliciesModule,
    NotificationsModule,
  ],
  controllers: [ReviewsController, GrantsController],
  providers: [
    ApprovalsRepository,
    ApprovalEvents,
    ReviewsService,
    GrantsService,
    ApprovalsScheduler,
    ApprovalsFacade,
  ],
  exports: [ApprovalsFacade],
})
export class ApprovalsModule {}
