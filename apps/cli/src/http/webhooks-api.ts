import type { ApiClient } from "./api-client";
import { itemsOf } from "./schemas";
import {
  type CreatedWebhook,
  CreatedWebhookSchema,
  type Delivery,
  type DeliveryQuery,
  DeliverySchema,
  type Webhook,
  type WebhookInput,
  WebhookSchema,
} from "./webhook-schemas";

const seg = encodeURIComponent;

/** The webhooks endpoints (admin only), on the same client as AirlockApi. */
export class WebhooksApi {
  constructor(private readonly http: ApiClient) {}

  async list(): Promise<Webhook[]> {
    return (await this.http.get("/api/v1/webhooks", itemsOf(WebhookSchema))).items;
  }

  /** The answer holds the signing secret, shown this once. */
  create(input: WebhookInput): Promise<CreatedWebhook> {
    return this.http.post("/api/v1/webhooks", input, CreatedWebhookSchema);
  }

  delete(name: string): Promise<void> {
    return this.http.delete(`/api/v1/webhooks/${seg(name)}`);
  }

  /** 202 with the queued `webhook.test` delivery. */
  test(name: string): Promise<Delivery> {
    return this.http.post(`/api/v1/webhooks/${seg(name)}/test`, {}, DeliverySchema);
  }

  async deliveries(query: DeliveryQuery): Promise<Delivery[]> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) params.set(key, String(value));
    }
    const search = params.size > 0 ? `?${params.toString()}` : "";
    const path = `/api/v1/webhooks/deliveries${search}`;
    return (await this.http.get(path, itemsOf(DeliverySchema))).items;
  }
}
