import { Injectable } from "@nestjs/common";
import { PrismaService } from "../db/prisma.service";
import type { Prisma } from "../generated/prisma/client";

export interface AuditRecord {
  code: string;
  outcome: string;
  actorId?: string | null;
  actorName?: string | null;
  actorKind?: string | null;
  sessionId?: string | null;
  reviewId?: string | null;
  grantId?: string | null;
  connectionName?: string | null;
  data?: Record<string, unknown>;
}

@Injectable()
export class AuditRepository {
  constructor(private readonly prisma: PrismaService) {}

  async insert(event: AuditRecord): Promise<void> {
    await this.prisma.client.auditEvent.create({
      data: {
        code: event.code,
        outcome: event.outcome,
        actorId: event.actorId ?? null,
        actorName: event.actorName ?? null,
        actorKind: event.actorKind ?? null,
        sessionId: event.sessionId ?? null,
        reviewId: event.reviewId ?? null,
        grantId: event.grantId ?? null,
        connectionName: event.connectionName ?? null,
        data: (event.data ?? {}) as Prisma.InputJsonValue,
      },
    });
  }
}
