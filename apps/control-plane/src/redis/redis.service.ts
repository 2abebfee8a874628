// The process's Redis connection. Issue 2 only checks it for readiness; approvals
// (BullMQ) and cross-replica pub/sub build on it later. Connects in the background
// and keeps retrying: a Redis outage shows in /readyz, it does not stop the process.
import { Inject, Injectable, type OnApplicationShutdown } from "@nestjs/common";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";

@Injectable()
export class RedisService implements OnApplicationShutdown {
  readonly client: Redis;
  private readonly logger: Logger;
  private lastError: string | undefined;
  private stopping: Promise<void> | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(ROOT_LOGGER) root: Logger) {
    this.logger = root.child({ component: "redis" });
    this.client = new Redis(config.redisUrl, {
      lazyConnect: false,
      connectTimeout: 2000,
      maxRetriesPerRequest: 1,
      // Fail commands at once while disconnected instead of queueing them.
      enableOfflineQueue: false,
      retryStrategy: (attempt) => Math.min(250 * attempt, 5000),
      connectionName: "airlock-control-plane",
    });
    this.client.on("error", (err: Error) => this.onError(err));
    this.client.on("ready", () => {
      if (this.lastError !== undefined) this.logger.info("redis connection restored");
      this.lastError = undefined;
    });
  }

  /** PING with a short timeout; rejects when Redis does not answer. */
  async ping(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.client.ping(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the connection; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.client
      .quit()
      .then(() => undefined)
      .catch(() => {
        this.client.disconnect();
      });
    return this.stopping;
  }

  onApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  /** Logs each distinct failure once, not on every retry. */
  private onError(err: Error): void {
    if (err.message === this.lastError) return;
    this.lastError = err.message;
    this.logger.warn({ err }, "redis connection failed; retrying");
  }
}
