import { Injectable } from "@nestjs/common";
import { type Db, PrismaService } from "../db/prisma.service";
import { isUniqueViolation } from "../db/prisma-errors";
import { Conflict } from "../errors/domain-errors";
import type { Webhook } from "../generated/prisma/client";

/** Holds the sealed secret: never put it in a view, a message or a log. */
export type WebhookRecord = Webhook;

export interface WebhookFields {
  id: string;
  name: string;
  url: string;
  all: boolean;
  secretCiphertext: Uint8Array<ArrayBuffer>;
}

@Injectable()
export class WebhookRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(tx?: Db): Promise<WebhookRecord[]> {
    return (tx ?? this.prisma.client).webhook.findMany({ orderBy: { name: "asc" } });
  }

  findByName(name: string, tx?: Db): Promise<WebhookRecord | null> {
    return (tx ?? this.prisma.client).webhook.findUnique({ where: { name } });
  }

  /** Every `all` webhook, plus those named. */
  targets(names: readonly string[], tx?: Db): Promise<WebhookRecord[]> {
    return (tx ?? this.prisma.client).webhook.findMany({
      where: { OR: [{ all: true }, { name: { in: [...names] } }] },
      orderBy: { name: "asc" },
    });
  }

  async create(fields: WebhookFields, tx?: Db): Promise<WebhookRecord> {
    try {
      return await (tx ?? this.prisma.client).webhook.create({ data: fields });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new Conflict(
          `a webhook named "${fields.name}" already exists; delete it first or choose another name`,
        );
      throw err;
    }
  }

  /** Deletes the webhook and (cascade) its deliveries; false when it was already gone. */
  async delete(id: string, tx?: Db): Promise<boolean> {
    const { count } = await (tx ?? this.prisma.client).webhook.deleteMany({ where: { id } });
    return count > 0;
  }
}
