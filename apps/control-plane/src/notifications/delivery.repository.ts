import { Injectable } from "@nestjs/common";
import { type Db, PrismaService } from "../db/prisma.service";
import type { Prisma, WebhookDelivery } from "../generated/prisma/client";
import type { DeliveryStatus } from "./webhook.schemas";

/** A delivery with the name of its webhook. */
export type DeliveryRecord = WebhookDelivery & { webhook: { name: string } };

/** A delivery with its whole webhook, for sending it (holds the sealed secret). */
export type DeliveryWithWebhook = WebhookDelivery & {
  webhook: { id: string; name: string; url: string; secretCiphertext: Uint8Array };
};

export interface NewDelivery {
  id: string;
  webhookId: string;
  event: string;
  reviewId: string | null;
  payload: Record<string, unknown>;
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  webhookId?: string;
  limit: number;
}

/** What one attempt changed. `expectedAttempts` guards against a concurrent attempt. */
export interface AttemptOutcome {
  expectedAttempts: number;
  status: DeliveryStatus;
  lastStatus: number | null;
  lastError: string | null;
  at: Date;
}

/** Where a page of pending deliveries ended. */
export interface PendingCursor {
  createdAt: Date;
  id: string;
}

const WITH_NAME = { webhook: { select: { name: true } } } as const;

@Injectable()
export class DeliveryRepository {
  constructor(private readonly prisma: PrismaService) {}

  async createMany(rows: readonly NewDelivery[], tx?: Db): Promise<void> {
    if (rows.length === 0) return;
    await (tx ?? this.prisma.client).webhookDelivery.createMany({
      data: rows.map((row) => ({ ...row, payload: row.payload as Prisma.InputJsonValue })),
    });
  }

  findById(id: string, tx?: Db): Promise<DeliveryRecord | null> {
    return (tx ?? this.prisma.client).webhookDelivery.findUnique({
      where: { id },
      include: WITH_NAME,
    });
  }

  findForSending(id: string, tx?: Db): Promise<DeliveryWithWebhook | null> {
    return (tx ?? this.prisma.client).webhookDelivery.findUnique({
      where: { id },
      include: {
        webhook: { select: { id: true, name: true, url: true, secretCiphertext: true } },
      },
    });
  }

  /** Newest first. */
  list(filter: DeliveryFilter, tx?: Db): Promise<DeliveryRecord[]> {
    return (tx ?? this.prisma.client).webhookDelivery.findMany({
      where: {
        ...(filter.status === undefined ? {} : { status: filter.status }),
        ...(filter.webhookId === undefined ? {} : { webhookId: filter.webhookId }),
      },
      include: WITH_NAME,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: filter.limit,
    });
  }

  /** Ids of pending deliveries, oldest first, in pages: pass the last id seen as `after`. */
  pendingIds(limit: number, after?: PendingCursor, tx?: Db): Promise<PendingCursor[]> {
    return (tx ?? this.prisma.client).webhookDelivery.findMany({
      where: {
        status: "pending",
        ...(after === undefined
          ? {}
          : {
              OR: [
                { createdAt: { gt: after.createdAt } },
                { createdAt: after.createdAt, id: { gt: after.id } },
              ],
            }),
      },
      select: { id: true, createdAt: true },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: limit,
    });
  }

  /**
   * Records one attempt of a pending delivery; false when the row is no longer pending or
   * another attempt was recorded meanwhile (then this one's outcome is dropped).
   */
  async recordAttempt(id: string, outcome: AttemptOutcome, tx?: Db): Promise<boolean> {
    const { count } = await (tx ?? this.prisma.client).webhookDelivery.updateMany({
      where: { id, status: "pending", attempts: outcome.expectedAttempts },
      data: {
        status: outcome.status,
        attempts: outcome.expectedAttempts + 1,
        lastStatus: outcome.lastStatus,
        lastError: outcome.lastError,
        ...(outcome.status === "delivered" ? { deliveredAt: outcome.at } : {}),
        ...(outcome.status === "failed" ? { failedAt: outcome.at } : {}),
      },
    });
    return count > 0;
  }
}
