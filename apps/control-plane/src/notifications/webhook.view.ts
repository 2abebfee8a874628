import { iso } from "../validation/common.schemas";
import type { DeliveryRecord } from "./delivery.repository";
import type { WebhookRecord } from "./webhook.repository";
import type { DeliveryView, WebhookView } from "./webhook.schemas";

/** Never the secret, sealed or not. */
export function toWebhookView(row: WebhookRecord): WebhookView {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    all: row.all,
    createdAt: iso(row.createdAt),
  };
}

/** Never the payload: it is what the receiver got, and the receiver's log has it. */
export function toDeliveryView(row: DeliveryRecord): DeliveryView {
  return {
    id: row.id,
    webhook: row.webhook.name,
    event: row.event,
    reviewId: row.reviewId,
    status: row.status,
    attempts: row.attempts,
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    createdAt: iso(row.createdAt),
    deliveredAt: iso(row.deliveredAt),
    failedAt: iso(row.failedAt),
  };
}
