// The one @Global module: process-wide settings every module may need, built once
// in main.ts before Nest starts — the parsed config and the root logger.
import { type DynamicModule, Global, Module } from "@nestjs/common";
import type { Logger } from "pino";
import type { AppConfig } from "./config.types";
import { APP_CONFIG, ROOT_LOGGER } from "./config.tokens";

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: ROOT_LOGGER, useValue: logger },
      ],
      exports: [APP_CONFIG, ROOT_LOGGER],
    };
  }
}
