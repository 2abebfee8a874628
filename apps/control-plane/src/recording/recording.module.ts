// Recording: session rows and the write-ahead command records of the data path.
import { Module } from "@nestjs/common";
import { DbModule } from "../db/db.module";
import { CommandsRepository } from "./commands.repository";
import { RecordingService } from "./recording.service";
import { SessionRecordsRepository } from "./session-records.repository";

@Module({
  imports: [DbModule],
  providers: [CommandsRepository, SessionRecordsRepository, RecordingService],
  exports: [RecordingService],
})
export class RecordingModule {}
