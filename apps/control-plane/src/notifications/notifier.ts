// Turns a notification into deliveries: one webhook_deliveries row per target webhook,
// inserted in one transaction, and only after that commit one job per row (STYLE 11).
// Redis being down never fails a notification: the rows stay pending and DeliveryQueue
// enqueues them once Redis is back.
import { randomUUID } from "node:crypto";
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { ROOT_LOGGER } from "../config/config.tokens";
import { PrismaService } from "../db/prisma.service";
import { DeliveryQueue } from "./delivery-queue";
import { DeliveryRepository, type NewDelivery } from "./delivery.repository";
import { type WebhookRecord, WebhookRepository } from "./webhook.repository";

export interface NotifyOptions {
  /** The review the notification is about (kept on each delivery row). */
  reviewId?: string;
  /** Webhooks to notify besides those with `all: true`; unknown names are skipped. */
  webhookNames?: readonly string[];
}

@Injectable()
export class Notifier {
  private readonly logger: Logger;

  constructor(
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly prisma: PrismaService,
    private readonly webhooks: WebhookRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly queue: DeliveryQueue,
  ) {
    this.logger = root.child({ component: "webhooks" });
  }

  /** Rejects only when the store fails; never because of Redis. */
  async notify(
    event: string,
    payload: Record<string, unknown>,
    options: NotifyOptions = {},
  ): Promise<void> {
    const named = [...new Set(options.webhookNames ?? [])];
    const targets = await this.webhooks.targets(named);
    const found = new Set(targets.map((w) => w.name));
    const unknown = named.filter((name) => !found.has(name));
    if (unknown.length > 0) {
      this.logger.warn(
        { event, reviewId: options.reviewId, webhooks: unknown },
        "notification names webhooks that do not exist; skipped them",
      );
    }
    await this.deliverTo(targets, event, payload, options.reviewId ?? null);
  }

  /** Inserts one delivery per webhook, then enqueues them; the ids of the new rows. */
  async deliverTo(
    targets: readonly Pick<WebhookRecord, "id">[],
    event: string,
    payload: Record<string, unknown>,
    reviewId: string | null,
  ): Promise<string[]> {
    if (targets.length === 0) return [];
    const rows: NewDelivery[] = targets.map((webhook) => ({
      id: randomUUID(),
      webhookId: webhook.id,
      event,
      reviewId,
      payload,
    }));
    await this.prisma.transaction((tx) => this.deliveries.createMany(rows, tx));
    const ids = rows.map((row) => row.id);
    await this.queue.enqueue(ids);
    return ids;
  }
}
