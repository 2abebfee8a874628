// Audit push sinks (docs/design/0010-audit.md, "Export (push)"): admin-managed webhook and
// syslog destinations, each with a cursor, and the BullMQ job that delivers the sealed events
// after it. Signing and sending reuse the approval webhooks' code (../notifications/).
import { Module } from "@nestjs/common";
import { AuditModule } from "../audit/audit.module";
import { DbModule } from "../db/db.module";
import { JobsModule } from "../jobs/jobs.module";
import { AuditSinkRepository } from "./audit-sink.repository";
import { AuditSinksController } from "./audit-sinks.controller";
import { AuditSinksService } from "./audit-sinks.service";
import { SinkDeliverer } from "./sink-deliverer";
import { SinkDispatcher } from "./sink-dispatcher";

@Module({
  imports: [DbModule, JobsModule, AuditModule],
  controllers: [AuditSinksController],
  providers: [AuditSinkRepository, AuditSinksService, SinkDeliverer, SinkDispatcher],
})
export class AuditSinksModule {}
