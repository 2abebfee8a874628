import { Injectable } from "@nestjs/common";
import { PrismaService } from "../db/prisma.service";
import type { Prisma } from "../generated/prisma/client";
import type { AuditRecord } from "./audit-event";

export type { AuditRecord };

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
        connectorName: event.connectorName ?? null,
        sourceAddress: event.sourceAddress ?? null,
        correlationId:
          event.correlationId ?? event.sessionId ?? event.reviewId ?? event.grantId ?? null,
        command: event.command ?? null,
        ruleIds: [...(event.ruleIds ?? [])],
        ...(event.at === undefined ? {} : { at: event.at }),
        data: (event.data ?? {}) as Prisma.InputJsonValue,
      },
    });
  }
}
