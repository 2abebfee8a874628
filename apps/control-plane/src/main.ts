// The control plane process:
//   config (exit 1 on a bad variable) → migrations → Nest app (REST + gRPC) →
//   "control plane ready". SIGTERM/SIGINT drain: gRPC stops, HTTP closes, the store
//   and Redis disconnect, exit 0; a second signal or a 10 s drain exits 1.
import "reflect-metadata";
import type { AddressInfo } from "node:net";
import { NestFactory } from "@nestjs/core";
import type { NestExpressApplication } from "@nestjs/platform-express";
import type { Logger } from "pino";
import { AppModule } from "./app.module";
import { loadConfigOrExit } from "./config/load-config";
import type { AppConfig } from "./config/config.types";
import { applyMigrations, findMigrationsDir } from "./db/migrator";
import { hostPort } from "./grpc/grpc-credentials";
import { GrpcServerHost } from "./grpc/grpc-server.host";
import { setupOpenApi } from "./lifecycle/openapi.setup";
import { installSignalEscapes, SHUTDOWN_SIGNALS } from "./lifecycle/signals";
import { StartupError } from "./lifecycle/startup-error";
import { accessLog } from "./logging/access-log";
import { createRootLogger } from "./logging/logger";
import { NestPinoLogger } from "./logging/nest-logger.adapter";
import { scrubSecrets } from "./logging/scrub";

async function migrate(config: AppConfig, logger: Logger): Promise<void> {
  const migrationsDir = config.migrationsDir ?? findMigrationsDir(__dirname);
  const log = logger.child({ component: "migrate" });
  const { applied } = await applyMigrations({
    databaseUrl: config.databaseUrl,
    migrationsDir,
    log: (msg) => log.info(msg),
  });
  if (applied.length > 0) log.info({ applied }, `applied ${applied.length} migration(s)`);
}

async function start(config: AppConfig, logger: Logger): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
    // Keep-alive connections must not hold the drain open.
    forceCloseConnections: true,
  });
  try {
    app.disable("x-powered-by");
    app.use(accessLog(logger));
    setupOpenApi(app);
    app.enableShutdownHooks([...SHUTDOWN_SIGNALS], { useProcessExit: true });
    installSignalEscapes(logger);
    await app.listen(config.http.port, config.http.host);
    return app;
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
}

async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const logger = createRootLogger(config.logLevel);
  process.on("unhandledRejection", (reason) => {
    logger.fatal({ err: reason }, "unhandled promise rejection; exiting");
    process.exit(1);
  });
  await migrate(config, logger);
  const app = await start(config, logger);
  const http = app.getHttpServer().address() as AddressInfo;
  const grpc = app.get(GrpcServerHost);
  logger.info(
    {
      http: `http://${hostPort(config.http.host, http.port)}`,
      grpc: grpc.address(),
      grpcTls: grpc.tls,
    },
    "control plane ready",
  );
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(
    err instanceof StartupError
      ? `startup: ${message}\n`
      : `startup failed: ${scrubSecrets(message)}\n`,
  );
  process.exit(1);
});
