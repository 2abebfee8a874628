// Release and elevation changes across replicas: one pub/sub channel, `<prefix>:approvals`.
// Publishing happens after the commit; a lost message is covered by the listeners' own
// re-reads (docs/design/0006-approvals.md), so publish failures are only logged.
import { Inject, Injectable, type OnModuleInit } from "@nestjs/common";
import type { Logger } from "pino";
import { ROOT_LOGGER } from "../config/config.tokens";
import { RedisService } from "../redis/redis.service";

const CHANNEL = "approvals";

export type ApprovalMessage =
  { type: "review"; id: string; status: string } | { type: "grants"; userId: string };

@Injectable()
export class ApprovalEvents implements OnModuleInit {
  private readonly logger: Logger;
  private readonly reviewListeners = new Map<string, Set<(status: string) => void>>();
  private readonly grantListeners = new Map<string, Set<() => void>>();

  constructor(
    private readonly redis: RedisService,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: "approvals" });
  }

  onModuleInit(): void {
    this.redis.subscribe(CHANNEL, (message) => this.receive(message));
  }

  /** Tells every replica (this one included, at once) about a change. */
  async publish(message: ApprovalMessage): Promise<void> {
    this.receive(JSON.stringify(message));
    try {
      await this.redis.publish(CHANNEL, JSON.stringify(message));
    } catch (err) {
      this.logger.warn(
        { err, message },
        "could not publish an approval change; replicas re-read it",
      );
    }
  }

  /** Calls `listener` when review `id` changes status; returns the unsubscribe. */
  onReview(id: string, listener: (status: string) => void): () => void {
    return add(this.reviewListeners, id, listener);
  }

  /** Calls `listener` when the grants of `userId` change; returns the unsubscribe. */
  onGrants(userId: string, listener: () => void): () => void {
    return add(this.grantListeners, userId, listener);
  }

  private receive(raw: string): void {
    let message: ApprovalMessage;
    try {
      message = JSON.parse(raw) as ApprovalMessage;
    } catch {
      return;
    }
    if (message.type === "review") {
      for (const listener of this.reviewListeners.get(message.id) ?? []) listener(message.status);
    } else if (message.type === "grants") {
      for (const listener of this.grantListeners.get(message.userId) ?? []) listener();
    }
  }
}

function add<T>(map: Map<string, Set<T>>, key: string, listener: T): () => void {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0) map.delete(key);
  };
}
