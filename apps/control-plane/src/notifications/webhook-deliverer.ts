// The `webhook-delivery` job: one attempt of one delivery. Idempotent: a delivery that is
// no longer pending (delivered, failed, or its webhook deleted) is left alone. Attempts are
// counted on the row, so a job enqueued again after a Redis restart continues the count
// instead of starting over.
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { CONTROL_PLANE_VERSION } from "../version";
import { type DeliveryWithWebhook, DeliveryRepository } from "./delivery.repository";
import { buildDeliveryRequest } from "./delivery-request";
import { openWebhookSecret } from "./webhook-secret";
import { sendWebhook } from "./webhook-sender";

export const WEBHOOK_USER_AGENT = `airlock-webhooks/${CONTROL_PLANE_VERSION}`;

/** Thrown to make BullMQ retry; the message names the webhook and the status only. */
export class DeliveryAttemptFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeliveryAttemptFailed";
  }
}

@Injectable()
export class WebhookDeliverer {
  private readonly logger: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly deliveries: DeliveryRepository,
  ) {
    this.logger = root.child({ component: "webhooks" });
  }

  /**
   * Sends the delivery once. Resolves when it was delivered, was already settled, or has
   * now failed for good; rejects (so BullMQ retries) when attempts remain.
   */
  async deliver(deliveryId: string, attempt: { final: boolean }): Promise<void> {
    const row = await this.deliveries.findForSending(deliveryId);
    if (row === null || row.status !== "pending") return;
    const number = row.attempts + 1;
    const final = attempt.final || number >= this.config.webhooks.attempts;
    const log = { delivery: row.id, webhook: row.webhook.name, event: row.event, attempt: number };

    let secret: string;
    try {
      secret = openWebhookSecret(
        this.config.masterKey,
        row.webhook.id,
        row.webhook.secretCiphertext,
      );
    } catch {
      // Retrying cannot help: the master key changed or the row was tampered with.
      const error =
        "the stored secret does not open under AIRLOCK_MASTER_KEY; delete the webhook and create it again";
      await this.record(row, "failed", null, error);
      this.logger.error(log, `webhook delivery failed: ${error}`);
      return;
    }

    const request = buildDeliveryRequest({
      url: row.webhook.url,
      secret,
      event: row.event,
      deliveryId: row.id,
      payload: payloadOf(row.payload),
      sentAt: new Date(),
      userAgent: WEBHOOK_USER_AGENT,
    });
    const outcome = await sendWebhook(request);
    if (outcome.ok) {
      await this.record(row, "delivered", outcome.status, null);
      this.logger.info({ ...log, status: outcome.status }, "webhook delivered");
      return;
    }
    const recorded = await this.record(
      row,
      final ? "failed" : "pending",
      outcome.status,
      outcome.error,
    );
    if (final) {
      this.logger.warn(
        { ...log, status: outcome.status, error: outcome.error },
        `webhook delivery failed after ${number} attempt(s)`,
      );
      return;
    }
    if (!recorded) return;
    throw new DeliveryAttemptFailed(
      `webhook "${row.webhook.name}" attempt ${number}: ${outcome.error}; retried later`,
    );
  }

  private record(
    row: DeliveryWithWebhook,
    status: "pending" | "delivered" | "failed",
    lastStatus: number | null,
    lastError: string | null,
  ): Promise<boolean> {
    return this.deliveries.recordAttempt(row.id, {
      expectedAttempts: row.attempts,
      status,
      lastStatus,
      lastError,
      at: new Date(),
    });
  }
}

function payloadOf(stored: unknown): Record<string, unknown> {
  return typeof stored === "object" && stored !== null && !Array.isArray(stored)
    ? (stored as Record<string, unknown>)
    : {};
}
