// The process's Redis connection: readiness, pub/sub between replicas (a second,
// subscriber connection), and "Redis is back" notifications so owners of jobs can
// enqueue again what a Redis restart lost. Connects in the background and keeps
// retrying: a Redis outage shows in /readyz, it does not stop the process.
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
  private subscriber: Redis | undefined;
  private readonly channels = new Map<string, ((message: string) => void)[]>();
  private readonly reconnectListeners: (() => void)[] = [];
  private readonly prefix: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(ROOT_LOGGER) root: Logger) {
    this.logger = root.child({ component: "redis" });
    this.prefix = config.redisPrefix;
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
      for (const listener of this.reconnectListeners) listener();
    });
  }

  /** Runs `listener` each time the connection becomes ready (first connect included). */
  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  /** Publishes on `<prefix>:<channel>`; rejects while Redis is unreachable. */
  async publish(channel: string, message: string): Promise<void> {
    await this.client.publish(`${this.prefix}:${channel}`, message);
  }

  /**
   * Calls `handler` for every message on `<prefix>:<channel>`, from any replica. Messages
   * published while the subscriber is disconnected are lost: callers keep a safety net.
   */
  subscribe(channel: string, handler: (message: string) => void): void {
    const full = `${this.prefix}:${channel}`;
    const handlers = this.channels.get(full);
    if (handlers !== undefined) {
      handlers.push(handler);
      return;
    }
    this.channels.set(full, [handler]);
    const sub = this.subscriberConnection();
    sub.subscribe(full).catch((err: unknown) => {
      this.logger.warn({ err, channel: full }, "could not subscribe yet; retried on reconnect");
    });
  }

  private subscriberConnection(): Redis {
    if (this.subscriber !== undefined) return this.subscriber;
    const sub = this.client.duplicate({
      connectionName: "airlock-control-plane-sub",
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      // ioredis re-subscribes the channels after a reconnect.
      autoResubscribe: true,
    });
    sub.on("error", () => undefined);
    sub.on("message", (channel: string, message: string) => {
      for (const handler of this.channels.get(channel) ?? []) {
        try {
          handler(message);
        } catch (err) {
          this.logger.warn({ err, channel }, "pub/sub handler failed");
        }
      }
    });
    this.subscriber = sub;
    return sub;
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
    this.subscriber?.disconnect();
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
