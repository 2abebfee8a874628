// Keeps every enabled sink delivering (docs/design/0010-audit.md, "Export (push)"): every
// DISPATCH_INTERVAL_MS each replica looks for enabled sinks whose cursor is behind the chain's
// head (the sealer has sealed more) and enqueues one `audit-sink-delivery` job per sink.
// The jobId is the sink's, so however many replicas tick, a sink has at most one job
// waiting, running or backing off; a job that failed for good frees the id, and the next
// tick enqueues it again. Postgres holds the cursors, so a Redis restart loses nothing.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from "@nestjs/common";
import type { Logger } from "pino";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { JobsService } from "../jobs/jobs.service";
import { AuditSinkRepository } from "./audit-sink.repository";
import { SinkDeliverer } from "./sink-deliverer";

export const DISPATCH_INTERVAL_MS = 1000;

@Injectable()
export class SinkDispatcher implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastError: string | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly jobs: JobsService,
    private readonly sinks: AuditSinkRepository,
    private readonly deliverer: SinkDeliverer,
  ) {
    this.logger = root.child({ component: "audit-sinks" });
  }

  onModuleInit(): void {
    this.jobs.handle("audit-sink-delivery", (payload) => this.deliverer.deliver(payload.sink));
  }

  onApplicationBootstrap(): void {
    this.jobs.start();
    this.timer = setInterval(() => this.tick(), DISPATCH_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running !== undefined || this.stopped || !this.jobs.available) return;
    this.running = this.dispatch()
      .then(() => {
        this.lastError = undefined;
      })
      .catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        if (message !== this.lastError)
          this.logger.warn({ err }, "could not enqueue audit sink deliveries; retrying");
        this.lastError = message;
      })
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Enqueues a delivery for each enabled sink behind the head. */
  async dispatch(): Promise<void> {
    const head = await this.sinks.head();
    if (head === 0n) return;
    for (const sink of await this.sinks.behind(head)) {
      if (this.stopped) return;
      await this.jobs.enqueue(
        "audit-sink-delivery",
        { sink },
        { attempts: this.config.webhooks.attempts, backoffMs: this.config.webhooks.backoffMs },
      );
    }
  }
}
