import { Module } from "@nestjs/common";
import { RedisModule } from "../redis/redis.module";
import { JobsService } from "./jobs.service";

@Module({
  imports: [RedisModule],
  providers: [JobsService],
  exports: [JobsService],
})
export class JobsModule {}
