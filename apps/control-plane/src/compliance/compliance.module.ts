// Compliance evidence: the NIST SP 800-53 report (JSON and OSCAL) for auditors.
import { Module } from "@nestjs/common";
import { AuditModule } from "../audit/audit.module";
import { DbModule } from "../db/db.module";
import { PoliciesModule } from "../policies/policies.module";
import { ComplianceController } from "./compliance.controller";
import { ComplianceRepository } from "./compliance.repository";
import { ComplianceService } from "./compliance.service";

@Module({
  imports: [DbModule, AuditModule, PoliciesModule],
  controllers: [ComplianceController],
  providers: [ComplianceRepository, ComplianceService],
})
export class ComplianceModule {}
