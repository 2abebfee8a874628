// The audit trail: writing events, sealing them into the hash chain, signed checkpoints,
// verification (docs/design/0010-audit.md).
import { Module } from "@nestjs/common";
import { DbModule } from "../db/db.module";
import { JobsModule } from "../jobs/jobs.module";
import { AuditRetention } from "./audit-retention";
import { RetentionRepository } from "./retention.repository";
import { AuditChainRepository } from "./audit-chain.repository";
import { AuditController } from "./audit.controller";
import { AuditRepository } from "./audit.repository";
import { AuditSealer } from "./audit-sealer";
import { AuditService } from "./audit.service";
import { AuditVerifier } from "./audit-verifier";

@Module({
  imports: [DbModule, JobsModule],
  controllers: [AuditController],
  providers: [
    AuditRepository,
    AuditService,
    AuditChainRepository,
    AuditSealer,
    AuditVerifier,
    RetentionRepository,
    AuditRetention,
  ],
  exports: [AuditService, AuditChainRepository, AuditVerifier, AuditSealer],
})
export class AuditModule {}
