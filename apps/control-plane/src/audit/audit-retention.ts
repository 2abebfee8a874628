// Retention (docs/design/0010-audit.md): per class, by age, as a BullMQ repeatable job that
// one replica runs hourly (and on demand, POST /api/v1/audit/retention). Audit events are
// pruned only up to a signed checkpoint, which stays as the chain's new start, so the chain
// still verifies. Each run is itself audited (audit.retention).
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from "@nestjs/common";
import type { Logger } from "pino";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { JobsService } from "../jobs/jobs.service";
import { AuditService } from "./audit.service";
import { AuditSealer } from "./audit-sealer";
import { RetentionRepository } from "./retention.repository";

const EVERY_MS = 3600_000;
const DAY_MS = 86_400_000;

export interface RetentionReport {
  resultRowsCleared: number;
  sessionsDeleted: number;
  commandsDeleted: number;
  sessionEventsDeleted: number;
  auditEventsDeleted: number;
  /** The checkpoint the chain now starts after, when audit events were pruned. */
  auditAnchorSeq: string | null;
  cutoffs: { resultRows: string; commands: string; audit: string };
}

@Injectable()
export class AuditRetention implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger: Logger;
  private running: Promise<RetentionReport> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly jobs: JobsService,
    private readonly repo: RetentionRepository,
    private readonly audit: AuditService,
    private readonly sealer: AuditSealer,
  ) {
    this.logger = root.child({ component: "retention" });
  }

  onModuleInit(): void {
    this.jobs.handle("audit-retention", async () => {
      await this.run(null);
    });
    this.jobs.onReconnect(() => this.schedule());
  }

  onApplicationBootstrap(): void {
    this.schedule().catch((err: unknown) =>
      this.logger.warn({ err }, "could not schedule retention yet; retried when Redis is back"),
    );
  }

  private schedule(): Promise<void> {
    return this.jobs.repeat("audit-retention", {}, EVERY_MS);
  }

  /** One run (runs on this replica do not overlap); `actor` is who asked, null for the schedule. */
  run(actor: { id: string; name: string; kind: string } | null): Promise<RetentionReport> {
    this.running ??= this.runOnce(actor).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runOnce(
    actor: { id: string; name: string; kind: string } | null,
  ): Promise<RetentionReport> {
    const now = Date.now();
    const days = this.config.audit.retention;
    const cutoff = (d: number) => new Date(now - d * DAY_MS);
    const resultRows = cutoff(days.resultRowsDays);
    const commands = cutoff(days.commandsDays);
    const audit = cutoff(days.auditDays);

    const resultRowsCleared = await this.repo.clearResultSamples(resultRows);
    const removed = await this.repo.deleteSessions(commands);
    // Seal what is pending first, so the newest checkpoint can be as recent as possible.
    await this.sealer.sealNow();
    const anchor = await this.repo.anchorBefore(audit);
    const auditEventsDeleted = anchor === null ? 0 : await this.repo.pruneAudit(anchor);
    const report: RetentionReport = {
      resultRowsCleared,
      sessionsDeleted: removed.sessions,
      commandsDeleted: removed.commands,
      sessionEventsDeleted: removed.sessionEvents,
      auditEventsDeleted,
      auditAnchorSeq: anchor?.toString() ?? null,
      cutoffs: {
        resultRows: resultRows.toISOString(),
        commands: commands.toISOString(),
        audit: audit.toISOString(),
      },
    };
    const removedAny =
      resultRowsCleared + removed.sessions + removed.commands + auditEventsDeleted > 0;
    // A scheduled run that removed nothing leaves no trace; one someone asked for always does.
    if (!removedAny && actor === null) return report;
    await this.audit.record({
      code: "audit.retention",
      outcome: "succeeded",
      actorId: actor?.id ?? null,
      actorName: actor?.name ?? null,
      actorKind: actor?.kind ?? null,
      data: { ...report, days: { ...days } },
    });
    this.logger.info(report, "retention run");
    return report;
  }
}
