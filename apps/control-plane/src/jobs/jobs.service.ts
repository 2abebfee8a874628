// BullMQ on the process's Redis: one Queue per catalog entry (producers) and, once every
// handler is registered, one Worker per queue. Producers fail fast while Redis is down
// (callers fail closed); workers reconnect by themselves. `reconnected` listeners run
// after Redis came back, so owners can enqueue again what a Redis restart lost.
import { Inject, Injectable, type OnApplicationShutdown } from "@nestjs/common";
import { Queue, Worker } from "bullmq";
import type { RedisOptions } from "ioredis";
import type { Logger } from "pino";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { RedisService } from "../redis/redis.service";
import {
  type EnqueueOptions,
  JOB_NAMES,
  type JobCatalog,
  type JobHandler,
  type JobName,
  jobIdOf,
} from "./job-catalog";

/** How long enqueueing may take before it counts as Redis being unreachable. */
const ENQUEUE_TIMEOUT_MS = 2000;

@Injectable()
export class JobsService implements OnApplicationShutdown {
  private readonly logger: Logger;
  private readonly queues = new Map<JobName, Queue>();
  private readonly handlers = new Map<JobName, JobHandler<JobName>>();
  private readonly workers: Worker[] = [];
  private readonly reconnectListeners: (() => Promise<void>)[] = [];
  private started = false;
  private stopping: Promise<void> | undefined;
  private readonly connection: RedisOptions;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly redis: RedisService,
  ) {
    this.logger = root.child({ component: "jobs" });
    const url = new URL(config.redisUrl);
    this.connection = {
      host: url.hostname,
      port: Number(url.port || 6379),
      ...(url.username === "" ? {} : { username: decodeURIComponent(url.username) }),
      ...(url.password === "" ? {} : { password: decodeURIComponent(url.password) }),
      ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
      ...(url.protocol === "rediss:" ? { tls: {} } : {}),
      connectTimeout: 2000,
      retryStrategy: (attempt: number) => Math.min(250 * attempt, 5000),
    };
    for (const name of JOB_NAMES) {
      const queue = new Queue(name, {
        connection: { ...this.connection, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
        prefix: `${config.redisPrefix}:bull`,
        // Postgres keeps the history; a kept job would block re-adding its jobId after a failure.
        defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
      });
      queue.on("error", (err) => this.logger.debug({ err, queue: name }, "queue error"));
      this.queues.set(name, queue);
    }
    this.redis.onReconnect(() => void this.afterReconnect());
  }

  /** Registers the handler of a job; workers start with start(). */
  handle<N extends JobName>(name: N, handler: JobHandler<N>): void {
    this.handlers.set(name, handler as unknown as JobHandler<JobName>);
  }

  /** Runs `listener` each time Redis is reachable again after an outage (and at start). */
  onReconnect(listener: () => Promise<void>): void {
    this.reconnectListeners.push(listener);
  }

  /** Whether Redis answers now (commands needing jobs fail closed when it does not). */
  get available(): boolean {
    return this.redis.client.status === "ready";
  }

  /** Adds the job (idempotent by jobId). Rejects when Redis is unreachable. */
  async enqueue<N extends JobName>(
    name: N,
    payload: JobCatalog[N],
    options: EnqueueOptions = {},
  ): Promise<void> {
    const queue = this.queues.get(name) as Queue;
    const delay =
      options.runAt === undefined ? 0 : Math.max(0, options.runAt.getTime() - Date.now());
    const adding = queue.add(name, payload, {
      jobId: jobIdOf(name, payload),
      delay,
      ...(options.attempts === undefined ? {} : { attempts: options.attempts }),
      ...(options.backoffMs === undefined
        ? {}
        : { backoff: { type: "exponential", delay: options.backoffMs } }),
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`Redis did not accept the ${name} job within ${ENQUEUE_TIMEOUT_MS} ms`)),
        ENQUEUE_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([adding, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs the job every `everyMs` on one worker of the cluster (a BullMQ job scheduler,
   * upserted: calling it again from another replica or after a restart changes nothing).
   */
  async repeat<N extends JobName>(name: N, payload: JobCatalog[N], everyMs: number): Promise<void> {
    const queue = this.queues.get(name) as Queue;
    await queue.upsertJobScheduler(
      jobIdOf(name, payload),
      { every: everyMs },
      { name, data: payload },
    );
  }

  /** Starts a worker for every registered handler. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const [name, handler] of this.handlers) {
      const worker = new Worker(
        name,
        async (job) =>
          handler(job.data as JobCatalog[JobName], {
            number: job.attemptsMade + 1,
            final: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
          }),
        {
          connection: { ...this.connection, maxRetriesPerRequest: null },
          prefix: `${this.config.redisPrefix}:bull`,
          concurrency: 8,
        },
      );
      worker.on("error", (err) => this.logger.debug({ err, queue: name }, "worker error"));
      worker.on("failed", (job, err) => {
        this.logger.warn({ err, queue: name, jobId: job?.id }, "job failed");
      });
      this.workers.push(worker);
    }
    void this.afterReconnect();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.allSettled(this.workers.map((w) => w.close()));
      await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    })();
    return this.stopping;
  }

  onApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  private async afterReconnect(): Promise<void> {
    if (!this.started) return;
    for (const listener of this.reconnectListeners) {
      try {
        await listener();
      } catch (err) {
        this.logger.warn({ err }, "could not re-enqueue jobs after Redis came back");
      }
    }
  }
}
