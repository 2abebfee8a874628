// The Nest edge of webhook delivery: registers the `webhook-delivery` job handler and the
// "Redis is back" re-enqueue with JobsService, and starts the workers once every module
// has registered its handlers (start() is idempotent, so another module may do it too).
import { Injectable, type OnApplicationBootstrap, type OnModuleInit } from "@nestjs/common";
import { JobsService } from "../jobs/jobs.service";
import { DeliveryQueue } from "./delivery-queue";
import { WebhookDeliverer } from "./webhook-deliverer";

@Injectable()
export class DeliveryProcessor implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly jobs: JobsService,
    private readonly deliverer: WebhookDeliverer,
    private readonly queue: DeliveryQueue,
  ) {}

  onModuleInit(): void {
    this.jobs.handle("webhook-delivery", (payload, attempt) =>
      this.deliverer.deliver(payload.deliveryId, attempt),
    );
    this.jobs.onReconnect(() => this.queue.requeuePending());
  }

  onApplicationBootstrap(): void {
    this.jobs.start();
  }
}
