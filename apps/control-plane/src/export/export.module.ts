// The SIEM pull export of the audit trail (docs/design/0010-audit.md, "Export (pull)").
import { Module } from "@nestjs/common";
import { AuditModule } from "../audit/audit.module";
import { DbModule } from "../db/db.module";
import { ExportController } from "./export.controller";
import { ExportRepository } from "./export.repository";
import { ExportService } from "./export.service";

@Module({
  imports: [DbModule, AuditModule],
  controllers: [ExportController],
  providers: [ExportRepository, ExportService],
})
export class ExportModule {}
