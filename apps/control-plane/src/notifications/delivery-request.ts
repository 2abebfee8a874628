// What one attempt of a delivery sends: the JSON body `{ event, deliveryId, sentAt,
// ...payload }` and its headers, signed at `sentAt`. Pure. Each attempt is signed afresh
// (a new sentAt and timestamp); the delivery id stays, so receivers can drop duplicates.
import { signPayload } from "./signature";
import type { WebhookRequest } from "./webhook-sender";

/** Keys of the body that the payload cannot override. */
const RESERVED = new Set(["event", "deliveryId", "sentAt"]);

export interface DeliveryRequestInput {
  url: string;
  secret: string;
  event: string;
  deliveryId: string;
  payload: Record<string, unknown>;
  sentAt: Date;
  userAgent: string;
}

export function deliveryBody(
  event: string,
  deliveryId: string,
  sentAt: Date,
  payload: Record<string, unknown>,
): string {
  const body: Record<string, unknown> = { event, deliveryId, sentAt: sentAt.toISOString() };
  for (const [key, value] of Object.entries(payload)) {
    if (!RESERVED.has(key)) body[key] = value;
  }
  return JSON.stringify(body);
}

export function buildDeliveryRequest(input: DeliveryRequestInput): WebhookRequest {
  const body = deliveryBody(input.event, input.deliveryId, input.sentAt, input.payload);
  const unixSeconds = Math.floor(input.sentAt.getTime() / 1000);
  return {
    url: input.url,
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": input.userAgent,
      "x-airlock-event": input.event,
      "x-airlock-delivery": input.deliveryId,
      "x-airlock-signature": signPayload(input.secret, body, unixSeconds),
    },
  };
}
