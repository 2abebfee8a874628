import { Module } from "@nestjs/common";
import { DbModule } from "../db/db.module";
import { RedisModule } from "../redis/redis.module";
import { HealthController } from "./health.controller";
import { HealthRepository } from "./health.repository";
import { HealthService } from "./health.service";

@Module({
  imports: [DbModule, RedisModule],
  controllers: [HealthController],
  providers: [HealthRepository, HealthService],
})
export class HealthModule {}
