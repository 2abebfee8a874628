// Audit push sinks, for admins: create (a webhook's secret is in that one response), list
// (with each cursor and its lag behind the chain's head), delete, and send a test message.
// Creating and deleting are audited (audit.sink_created, audit.sink_deleted), without the
// secret and, of a webhook URL, only its origin.
import { randomUUID } from "node:crypto";
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { blankEvent, type SealedAuditEvent } from "../audit/audit-event";
import { AuditService } from "../audit/audit.service";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { NotFound } from "../errors/domain-errors";
import { auditActor, type Principal } from "../identity/auth/principal";
import { generateWebhookSecret, sealWebhookSecret } from "../notifications/webhook-secret";
import { iso } from "../validation/common.schemas";
import { type AuditSinkRecord, AuditSinkRepository } from "./audit-sink.repository";
import type {
  AuditSinkList,
  AuditSinkTestResult,
  AuditSinkView,
  CreateAuditSinkBody,
  CreatedAuditSink,
} from "./audit-sink.schemas";
import { SinkDeliverer } from "./sink-deliverer";

export const SINK_TEST_CODE = "audit.sink_test";

@Injectable()
export class AuditSinksService {
  private readonly logger: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly sinks: AuditSinkRepository,
    private readonly deliverer: SinkDeliverer,
    private readonly audit: AuditService,
  ) {
    this.logger = root.child({ component: "audit-sinks" });
  }

  async list(): Promise<AuditSinkList> {
    const head = await this.sinks.head();
    const rows = await this.sinks.list();
    const cursors = await this.sinks.cursors(rows.map((r) => r.id));
    return {
      head: head.toString(),
      items: rows.map((row) => toAuditSinkView(row, cursors.get(row.id) ?? 0n, head)),
    };
  }

  /** The id is chosen before the insert: it is the sealed secret's authenticated data. */
  async create(caller: Principal, input: CreateAuditSinkBody): Promise<CreatedAuditSink> {
    const id = randomUUID();
    const secret = input.kind === "webhook" ? (input.secret ?? generateWebhookSecret()) : undefined;
    const row = await this.sinks.create(
      {
        id,
        name: input.name,
        kind: input.kind,
        format: input.format,
        enabled: input.enabled,
        url: input.kind === "webhook" ? input.url : null,
        secretCiphertext:
          secret === undefined ? null : sealWebhookSecret(this.config.masterKey, id, secret),
        syslogHost: input.kind === "syslog" ? input.host : null,
        syslogPort: input.kind === "syslog" ? input.port : null,
        syslogTransport: input.kind === "syslog" ? input.transport : null,
        syslogCaPem: input.kind === "syslog" ? (input.caPem ?? null) : null,
      },
      input.start,
    );
    const cursor = (await this.sinks.cursor(row.id)) ?? 0n;
    this.logger.info(
      { sink: row.name, kind: row.kind, format: row.format, cursor: cursor.toString() },
      "audit sink created",
    );
    await this.audit.record({
      code: "audit.sink_created",
      outcome: "created",
      ...auditActor(caller),
      data: { ...sinkFacts(row), start: input.start, cursor: cursor.toString() },
    });
    const view = toAuditSinkView(row, cursor, await this.sinks.head());
    return secret === undefined ? { sink: view } : { sink: view, secret };
  }

  /** Deletes the sink and its cursor; a delivery in flight finds it gone and stops. */
  async delete(caller: Principal, name: string): Promise<void> {
    const sink = await this.find(name);
    const cursor = await this.sinks.cursor(sink.id);
    if (!(await this.sinks.delete(sink.id))) throw sinkNotFound(name);
    this.logger.info({ sink: name }, "audit sink deleted");
    await this.audit.record({
      code: "audit.sink_deleted",
      outcome: "deleted",
      ...auditActor(caller),
      data: { ...sinkFacts(sink), cursor: cursor?.toString() ?? null },
    });
  }

  /**
   * Sends one synthetic event (code audit.sink_test, seq 0, so no real event is mistaken
   * for it) the way deliveries go, and answers whether the sink accepted it. Neither the
   * cursor nor last_error changes.
   */
  async test(caller: Principal, name: string): Promise<AuditSinkTestResult> {
    const sink = await this.find(name);
    const cursor = (await this.sinks.cursor(sink.id)) ?? 0n;
    const outcome = await this.deliverer.send(sink, [testEvent(caller, sink)], cursor, true);
    this.logger.info(
      { sink: sink.name, ok: outcome.ok, ...(outcome.ok ? {} : { error: outcome.error }) },
      "audit sink test message sent",
    );
    return { sink: sink.name, ok: outcome.ok, error: outcome.ok ? null : outcome.error };
  }

  private async find(name: string): Promise<AuditSinkRecord> {
    const sink = await this.sinks.findByName(name);
    if (sink === null) throw sinkNotFound(name);
    return sink;
  }
}

/** Never the secret, sealed or not. */
export function toAuditSinkView(row: AuditSinkRecord, cursor: bigint, head: bigint): AuditSinkView {
  const lag = head > cursor ? head - cursor : 0n;
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    format: row.format,
    enabled: row.enabled,
    url: row.kind === "webhook" ? row.url : null,
    syslog:
      row.kind === "syslog" &&
      row.syslogHost !== null &&
      row.syslogPort !== null &&
      row.syslogTransport !== null
        ? {
            host: row.syslogHost,
            port: row.syslogPort,
            transport: row.syslogTransport,
            ca:
              row.syslogTransport === "tls"
                ? row.syslogCaPem === null
                  ? "system"
                  : "custom"
                : null,
          }
        : null,
    cursor: cursor.toString(),
    lag: Number(lag),
    lastError: row.lastError,
    lastErrorAt: iso(row.lastErrorAt),
    lastDeliveredAt: iso(row.lastDeliveredAt),
    createdAt: iso(row.createdAt),
  };
}

/**
 * What an audit event says about a sink: never its secret, and of a webhook URL only the
 * origin (a path or query may carry a credential of the receiver).
 */
function sinkFacts(row: AuditSinkRecord): Record<string, unknown> {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    format: row.format,
    enabled: row.enabled,
    ...(row.kind === "webhook"
      ? { origin: urlOrigin(row.url) }
      : { host: row.syslogHost, port: row.syslogPort, transport: row.syslogTransport }),
  };
}

function urlOrigin(url: string | null): string | null {
  try {
    return url === null ? null : new URL(url).origin;
  } catch {
    return null;
  }
}

function testEvent(caller: Principal, sink: AuditSinkRecord): SealedAuditEvent {
  return {
    ...blankEvent(
      { id: 0n, code: SINK_TEST_CODE, outcome: "succeeded", at: new Date() },
      {
        ...auditActor(caller),
        data: {
          sink: sink.name,
          message: "a test message from Airlock; real events have seq 1 and up",
        },
      },
    ),
    seq: 0n,
    prevHash: Buffer.alloc(32),
    hash: Buffer.alloc(32),
  };
}

function sinkNotFound(name: string): NotFound {
  return new NotFound(
    `no audit sink named "${name}"; list them with GET /api/v1/audit/sinks (airlock admin audit-sinks list)`,
  );
}
