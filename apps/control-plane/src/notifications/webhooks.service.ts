// Webhooks, for admins: list, create (the secret is in that one response), delete, send a
// test delivery, and list deliveries. Creating and deleting are audited, without the secret.
import { randomUUID } from "node:crypto";
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { AuditService } from "../audit/audit.service";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { NotFound } from "../errors/domain-errors";
import { auditActor, type Principal } from "../identity/auth/principal";
import { DeliveryRepository } from "./delivery.repository";
import { Notifier } from "./notifier";
import { type WebhookRecord, WebhookRepository } from "./webhook.repository";
import type {
  CreatedWebhook,
  CreateWebhookBody,
  DeliveryListQuery,
  DeliveryView,
  WebhookView,
} from "./webhook.schemas";
import { generateWebhookSecret, sealWebhookSecret } from "./webhook-secret";
import { toDeliveryView, toWebhookView } from "./webhook.view";

export const TEST_EVENT = "webhook.test";

@Injectable()
export class WebhooksService {
  private readonly logger: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly webhooks: WebhookRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly notifier: Notifier,
    private readonly audit: AuditService,
  ) {
    this.logger = root.child({ component: "webhooks" });
  }

  async list(): Promise<WebhookView[]> {
    return (await this.webhooks.list()).map(toWebhookView);
  }

  /** The id is chosen before the insert: it is the sealed secret's authenticated data. */
  async create(caller: Principal, input: CreateWebhookBody): Promise<CreatedWebhook> {
    const id = randomUUID();
    const secret = input.secret ?? generateWebhookSecret();
    const row = await this.webhooks.create({
      id,
      name: input.name,
      url: input.url,
      all: input.all,
      secretCiphertext: sealWebhookSecret(this.config.masterKey, id, secret),
    });
    this.logger.info({ webhook: row.name, all: row.all }, "webhook created");
    await this.audit.record({
      code: "webhook.created",
      outcome: "created",
      ...auditActor(caller),
      data: webhookFacts(row),
    });
    return { webhook: toWebhookView(row), secret };
  }

  /** Deletes the webhook and its deliveries (pending ones are then never sent). */
  async delete(caller: Principal, name: string): Promise<void> {
    const webhook = await this.find(name);
    if (!(await this.webhooks.delete(webhook.id))) throw webhookNotFound(name);
    this.logger.info({ webhook: name }, "webhook deleted");
    await this.audit.record({
      code: "webhook.deleted",
      outcome: "deleted",
      ...auditActor(caller),
      data: webhookFacts(webhook),
    });
  }

  /** Queues a `webhook.test` delivery to this webhook alone. */
  async test(name: string): Promise<DeliveryView> {
    const webhook = await this.find(name);
    const payload = {
      webhook: { name: webhook.name },
      message:
        "a test delivery from Airlock; check its X-Airlock-Signature with the webhook secret",
    };
    const [id] = await this.notifier.deliverTo([webhook], TEST_EVENT, payload, null);
    const row = id === undefined ? null : await this.deliveries.findById(id);
    if (row === null) throw webhookNotFound(name);
    return toDeliveryView(row);
  }

  async listDeliveries(query: DeliveryListQuery): Promise<DeliveryView[]> {
    const webhookId = query.webhook === undefined ? undefined : (await this.find(query.webhook)).id;
    const rows = await this.deliveries.list({
      limit: query.limit,
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(webhookId === undefined ? {} : { webhookId }),
    });
    return rows.map(toDeliveryView);
  }

  private async find(name: string): Promise<WebhookRecord> {
    const webhook = await this.webhooks.findByName(name);
    if (webhook === null) throw webhookNotFound(name);
    return webhook;
  }
}

/**
 * What an audit event says about a webhook: never its secret, and of its URL only the
 * origin: a path or query may carry a credential of the receiver (chat webhook URLs do).
 */
function webhookFacts(row: WebhookRecord): Record<string, unknown> {
  return { id: row.id, name: row.name, origin: urlOrigin(row.url), all: row.all };
}

function urlOrigin(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

function webhookNotFound(name: string): NotFound {
  return new NotFound(
    `no webhook named "${name}"; list them with GET /api/v1/webhooks (airlock admin webhooks list)`,
  );
}
