import { Module } from "@nestjs/common";
import { DbModule } from "../db/db.module";
import { AuditRepository } from "./audit.repository";
import { AuditService } from "./audit.service";

@Module({
  imports: [DbModule],
  providers: [AuditRepository, AuditService],
  exports: [AuditService],
})
export class AuditModule {}
