// Sessions: the read side of the recording (list, show with commands, the timeline for replay).
import { Module } from "@nestjs/common";
import { ApprovalsModule } from "../approvals/approvals.module";
import { DbModule } from "../db/db.module";
import { SessionsController } from "./sessions.controller";
import { SessionsRepository } from "./sessions.repository";
import { SessionsService } from "./sessions.service";

@Module({
  imports: [DbModule, ApprovalsModule],
  controllers: [SessionsController],
  providers: [SessionsRepository, SessionsService],
  exports: [SessionsService],
})
export class SessionsModule {}
