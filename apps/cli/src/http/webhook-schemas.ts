import { z } from "zod";

/**
 * Response shapes of the webhooks API (docs/design/0006-approvals.md, "Notifications"). Loose
 * like the other resources, so `--output json` passes on fields a newer control plane adds.
 */
export const WebhookSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  all: z.boolean(),
  createdAt: z.string(),
});
export type Webhook = z.infer<typeof WebhookSchema>;

/** The create's answer: the one response that holds the signing secret. */
export const CreatedWebhookSchema = z.object({ webhook: WebhookSchema, secret: z.string() });
export type CreatedWebhook = z.infer<typeof CreatedWebhookSchema>;

export const DeliverySchema = z.looseObject({
  id: z.string(),
  webhook: z.string(),
  event: z.string(),
  reviewId: z.string().nullish(),
  status: z.string(),
  attempts: z.number(),
  lastStatus: z.number().nullish(),
  lastError: z.string().nullish(),
  createdAt: z.string(),
  deliveredAt: z.string().nullish(),
  failedAt: z.string().nullish(),
});
export type Delivery = z.infer<typeof DeliverySchema>;

export const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;

export interface WebhookInput {
  name: string;
  url: string;
  all?: boolean;
  /** Absent: the control plane generates one. */
  secret?: string;
}

export interface DeliveryQuery {
  status?: (typeof DELIVERY_STATUSES)[number];
  webhook?: string;
  limit?: number;
}
