// What other modules may use of notifications: notify(). The approvals module calls it
// after the commit that makes the event true, with `{ review: {...} }` as the payload.
import { Injectable } from "@nestjs/common";
import { Notifier } from "./notifier";

@Injectable()
export class NotificationsFacade {
  constructor(private readonly notifier: Notifier) {}

  /**
   * One delivery per target webhook (every `all` webhook plus those named; unknown names are
   * skipped with a warning), each sent as `{ event, deliveryId, sentAt, ...payload }`.
   * Never rejects because of Redis (undelivered rows are enqueued again when it is back);
   * rejects when the store cannot take the rows.
   */
  notify(
    event: string,
    payload: Record<string, unknown>,
    options: { reviewId?: string; webhookNames?: string[] } = {},
  ): Promise<void> {
    return this.notifier.notify(event, payload, options);
  }
}
