// Notifications: admin-managed webhooks, their signed deliveries (rows in Postgres, jobs
// in BullMQ with retries), and the facade other modules notify through
// (docs/design/0006-approvals.md, "Notifications").
import { Module } from "@nestjs/common";
import { AuditModule } from "../audit/audit.module";
import { DbModule } from "../db/db.module";
import { JobsModule } from "../jobs/jobs.module";
import { DeliveryProcessor } from "./delivery.processor";
import { DeliveryQueue } from "./delivery-queue";
import { DeliveryRepository } from "./delivery.repository";
import { NotificationsFacade } from "./notifications.facade";
import { Notifier } from "./notifier";
import { WebhookDeliverer } from "./webhook-deliverer";
import { WebhookRepository } from "./webhook.repository";
import { WebhooksController } from "./webhooks.controller";
import { WebhooksService } from "./webhooks.service";

@Module({
  imports: [DbModule, JobsModule, AuditModule],
  controllers: [WebhooksController],
  providers: [
    WebhookRepository,
    DeliveryRepository,
    DeliveryQueue,
    Notifier,
    WebhooksService,
    WebhookDeliverer,
    DeliveryProcessor,
    NotificationsFacade,
  ],
  exports: [NotificationsFacade],
})
export class NotificationsModule {}
