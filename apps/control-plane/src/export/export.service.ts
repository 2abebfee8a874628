// The pull export (docs/design/0010-audit.md, "Export (pull)"): sealed events after a cursor,
// in seq order, in the format asked for. Because seq is contiguous and given once, a client
// that resumes from its last next_cursor never misses or repeats an event.
//
// Each export is itself audited (`audit.exported` with the seq range), at most once a minute
// per caller: the throttle is in memory, per replica. Exports inside the minute are merged
// into one pending range, written when the minute is up (or at shutdown), so the trail
// still covers every range exported. A page holding nothing but the caller's own
// `audit.exported` events is not audited again (an idle, polling SIEM would otherwise keep
// auditing its own audit events, once a minute, forever).
import { type BeforeApplicationShutdown, Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import type { SealedAuditEvent } from "../audit/audit-event";
import { AuditChainRepository } from "../audit/audit-chain.repository";
import { AuditService } from "../audit/audit.service";
import { ROOT_LOGGER } from "../config/config.tokens";
import type { Principal } from "../identity/auth/principal";
import { CONTROL_PLANE_VERSION } from "../version";
import { ExportRepository } from "./export.repository";
import type { ExportFormat, ExportQuery } from "./export.schemas";
import { type OcsfContext, ocsfContextFor, toCef, toJsonlRecord, toOcsf } from "./ocsf";

/** How often one caller's exports are audited at most. */
export const EXPORT_AUDIT_INTERVAL_MS = 60_000;

export interface ExportResult {
  format: ExportFormat;
  /** OCSF or JSONL records (JSON formats), or CEF lines. */
  events: Array<Record<string, unknown>>;
  lines: string[];
  nextCursor: string;
  hasMore: boolean;
}

interface PendingAudit {
  principal: Principal;
  sourceAddress: string | null;
  formats: Set<ExportFormat>;
  fromSeq: bigint;
  toSeq: bigint;
  count: number;
  requests: number;
}

@Injectable()
export class ExportService implements BeforeApplicationShutdown {
  private readonly logger: Logger;
  /** When each caller's last `audit.exported` was written (ms). */
  private readonly lastAudited = new Map<string, number>();
  /** Exports inside the minute, not yet written, and the timer that writes them. */
  private readonly pending = new Map<string, { range: PendingAudit; timer: NodeJS.Timeout }>();

  constructor(
    private readonly chain: AuditChainRepository,
    private readonly audit: AuditService,
    private readonly repo: ExportRepository,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: "audit-export" });
  }

  async page(
    caller: Principal,
    query: ExportQuery,
    sourceAddress: string | null,
  ): Promise<ExportResult> {
    const start = query.since === undefined ? query.cursor : await this.startAt(query.since);
    const rows = await this.chain.sealedAfter(start, query.limit + 1);
    const hasMore = rows.length > query.limit;
    const events = hasMore ? rows.slice(0, query.limit) : rows;
    const last = events[events.length - 1];
    const result: ExportResult = {
      format: query.format,
      events: [],
      lines: [],
      nextCursor: (last?.seq ?? start).toString(),
      hasMore,
    };
    switch (query.format) {
      case "ocsf": {
        const ctx = await this.context(events);
        result.events = events.map((e) => toOcsf(e, ctx));
        break;
      }
      case "jsonl":
        result.events = events.map((e) => ({ ...toJsonlRecord(e) }));
        break;
      case "cef": {
        const ctx: OcsfContext = { productVersion: CONTROL_PLANE_VERSION };
        result.lines = events.map((e) => toCef(e, ctx));
        break;
      }
    }
    await this.recordExport(caller, sourceAddress, query.format, events);
    return result;
  }

  /** The cursor just before the first event at or after `since` (or the head: none yet). */
  private async startAt(since: Date): Promise<bigint> {
    const first = await this.chain.firstSeqAtOrAfter(since);
    if (first !== null) return first - 1n;
    return (await this.chain.bounds())?.max ?? 0n;
  }

  private context(events: readonly SealedAuditEvent[]): Promise<OcsfContext> {
    return ocsfContextFor(events, CONTROL_PLANE_VERSION, (ids) => this.repo.ownersOf(ids));
  }

  private async recordExport(
    caller: Principal,
    sourceAddress: string | null,
    format: ExportFormat,
    events: readonly SealedAuditEvent[],
  ): Promise<void> {
    const first = events[0];
    const last = events[events.length - 1];
    if (first === undefined || last === undefined) return;
    const ownTrail = events.every(
      (e) => e.code === "audit.exported" && e.actorId === caller.userId,
    );
    if (ownTrail) return;

    const key = caller.userId;
    const held = this.pending.get(key);
    const range: PendingAudit = held?.range ?? {
      principal: caller,
      sourceAddress,
      formats: new Set(),
      fromSeq: first.seq,
      toSeq: last.seq,
      count: 0,
      requests: 0,
    };
    range.formats.add(format);
    range.fromSeq = range.fromSeq < first.seq ? range.fromSeq : first.seq;
    range.toSeq = range.toSeq > last.seq ? range.toSeq : last.seq;
    range.count += events.length;
    range.requests += 1;
    range.sourceAddress = sourceAddress ?? range.sourceAddress;

    const due = (this.lastAudited.get(key) ?? 0) + EXPORT_AUDIT_INTERVAL_MS;
    const now = Date.now();
    if (now >= due) {
      if (held !== undefined) {
        clearTimeout(held.timer);
        this.pending.delete(key);
      }
      // Taken before the write, so two requests at once do not both write.
      const previous = this.lastAudited.get(key);
      this.lastAudited.set(key, now);
      try {
        await this.write(range);
      } catch (err) {
        if (previous === undefined) this.lastAudited.delete(key);
        else this.lastAudited.set(key, previous);
        throw err;
      }
      return;
    }
    if (held === undefined) {
      const timer = setTimeout(() => void this.flush(key), due - now);
      timer.unref();
      this.pending.set(key, { range, timer });
    }
  }

  /** Writes a caller's pending range (the minute is up). */
  private async flush(key: string): Promise<void> {
    const held = this.pending.get(key);
    if (held === undefined) return;
    this.pending.delete(key);
    clearTimeout(held.timer);
    this.lastAudited.set(key, Date.now());
    try {
      await this.write(held.range);
    } catch (err) {
      this.logger.error({ err, user: held.range.principal.userName }, "audit.exported not written");
    }
  }

  private async write(range: PendingAudit): Promise<void> {
    const { principal } = range;
    await this.audit.record({
      code: "audit.exported",
      outcome: "succeeded",
      actorId: principal.userId,
      actorName: principal.userName,
      actorKind: principal.kind,
      sourceAddress: range.sourceAddress,
      data: {
        format: [...range.formats].join(","),
        fromSeq: range.fromSeq.toString(),
        toSeq: range.toSeq.toString(),
        count: range.count,
        requests: range.requests,
        apiKeyId: principal.apiKeyId,
      },
    });
    // Forget callers that have been quiet for a while.
    const now = Date.now();
    for (const [user, at] of this.lastAudited)
      if (now - at > 10 * EXPORT_AUDIT_INTERVAL_MS) this.lastAudited.delete(user);
  }

  /** Writes what is pending (before the pools close), so a clean stop loses no range. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.pending.keys()].map((key) => this.flush(key)));
  }
}
