// The one Prisma client of the process (driver adapter over a pg pool: no engine
// binary at run time). Repositories are its only users; they take an optional
// transaction client so a service can group writes through `transaction()`.
import { Inject, Injectable, type OnApplicationShutdown } from "@nestjs/common";
import { PrismaPg } from "@prisma/adapter-pg";
import type { Logger } from "pino";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { type Prisma, PrismaClient } from "../generated/prisma/client";

/** A transaction client, opaque outside repositories. */
export type DbTx = Prisma.TransactionClient;
/** What repository methods run their queries on. */
export type Db = PrismaClient | DbTx;

@Injectable()
export class PrismaService implements OnApplicationShutdown {
  readonly client: PrismaClient;
  private readonly logger: Logger;
  private stopping: Promise<void> | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(ROOT_LOGGER) root: Logger) {
    this.logger = root.child({ component: "db" });
    const adapter = new PrismaPg(
      {
        connectionString: config.databaseUrl,
        max: 10,
        connectionTimeoutMillis: 5000,
        idleTimeoutMillis: 30_000,
        application_name: "airlock-control-plane",
      },
      {
        // Idle connections dropped by a Postgres restart: the pool replaces them.
        onPoolError: (err) => this.logger.warn({ err }, "idle database connection failed"),
        onConnectionError: (err) => this.logger.warn({ err }, "database connection failed"),
      },
    );
    this.client = new PrismaClient({ adapter });
  }

  /** Runs `fn` in one transaction. Nothing slow (network, crypto) belongs inside. */
  transaction<T>(fn: (tx: DbTx) => Promise<T>): Promise<T> {
    return this.client.$transaction(fn);
  }

  /** Closes the pool; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.client.$disconnect().catch((err: unknown) => {
      this.logger.warn({ err }, "closing the database pool failed");
    });
    return this.stopping;
  }

  onApplicationShutdown(): Promise<void> {
    return this.stop();
  }
}
