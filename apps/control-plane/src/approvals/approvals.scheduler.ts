// Time in the approvals module: the BullMQ handlers of review and grant expiry, a sweep
// every few seconds that expires whatever came due while jobs were lost (Redis restart)
// or the process was down, and re-enqueueing jobs whenever Redis is back.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from "@nestjs/common";
import type { Logger } from "pino";
import { ROOT_LOGGER } from "../config/config.tokens";
import { JobsService } from "../jobs/jobs.service";
import { GrantsService } from "./grants.service";
import { ReviewsService } from "./reviews.service";

export const SWEEP_INTERVAL_MS = 5000;

@Injectable()
export class ApprovalsScheduler
  implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly jobs: JobsService,
    private readonly reviews: ReviewsService,
    private readonly grants: GrantsService,
  ) {
    this.logger = root.child({ component: "approvals" });
  }

  onModuleInit(): void {
    this.jobs.handle("review-expiry", async ({ reviewId }) => {
      await this.reviews.expire(reviewId);
    });
    this.jobs.handle("grant-expiry", async ({ grantId }) => {
      await this.grants.expire(grantId);
    });
    this.jobs.onReconnect(async () => {
      await this.reviews.reenqueueExpiries();
      await this.grants.reenqueueExpiries();
    });
  }

  onApplicationBootstrap(): void {
    this.jobs.start();
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  private sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        const reviews = await this.reviews.expireDue();
        const grants = await this.grants.expireDue();
        if (reviews + grants > 0) this.logger.info({ reviews, grants }, "expired by the sweep");
      } catch (err) {
        this.logger.warn({ err }, "approval sweep failed; retrying");
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }
}
