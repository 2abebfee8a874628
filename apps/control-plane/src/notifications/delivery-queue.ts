// Puts deliveries on the `webhook-delivery` BullMQ queue. Rows come first (Postgres is the
// source of truth): a delivery whose job could not be added stays pending and is enqueued
// again by requeuePending(), which runs at start and each time Redis is back (a Redis
// without persistence loses every job on restart). The jobId (from the delivery id) makes
// enqueueing twice harmless.
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { JobsService } from "../jobs/jobs.service";
import { DeliveryRepository, type PendingCursor } from "./delivery.repository";

const REQUEUE_PAGE = 500;

@Injectable()
export class DeliveryQueue {
  private readonly logger: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly jobs: JobsService,
    private readonly deliveries: DeliveryRepository,
  ) {
    this.logger = root.child({ component: "webhooks" });
  }

  /** Never rejects: a delivery that cannot be enqueued now waits for requeuePending(). */
  async enqueue(deliveryIds: readonly string[]): Promise<void> {
    for (const [index, deliveryId] of deliveryIds.entries()) {
      try {
        await this.add(deliveryId);
      } catch (err) {
        this.logger.warn(
          { err, deliveries: deliveryIds.length - index },
          "could not enqueue webhook deliveries; they stay pending and are enqueued again when Redis is back",
        );
        return;
      }
    }
  }

  /** Enqueues every pending delivery; rejects (ending the pass) at the first failure. */
  async requeuePending(): Promise<void> {
    let after: PendingCursor | undefined;
    let count = 0;
    for (;;) {
      const page = await this.deliveries.pendingIds(REQUEUE_PAGE, after);
      for (const row of page) await this.add(row.id);
      count += page.length;
      after = page.at(-1);
      if (page.length < REQUEUE_PAGE) break;
    }
    if (count > 0) this.logger.info({ deliveries: count }, "enqueued pending webhook deliveries");
  }

  private add(deliveryId: string): Promise<void> {
    return this.jobs.enqueue(
      "webhook-delivery",
      { deliveryId },
      { attempts: this.config.webhooks.attempts, backoffMs: this.config.webhooks.backoffMs },
    );
  }
}
