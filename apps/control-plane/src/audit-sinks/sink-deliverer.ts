// The `audit-sink-delivery` job (docs/design/0010-audit.md, "Export (push)"): reads the sink's
// cursor, sends the sealed events after it as one batch, and only once the sink accepted the
// batch moves the cursor, from the seq it read, to the batch's last seq (a conditional
// update). Several batches per job while the sink is behind; the dispatcher enqueues the job
// again for what is left.
//
// Guarantees: seq is contiguous and assigned once, so starting each batch right after the
// cursor never skips or repeats an event. A failed attempt moves nothing and throws (BullMQ
// retries with backoff; when the attempts are used up, the dispatcher's next tick enqueues
// the job again), so a sink that was down catches up from its cursor. At least once at
// worst: a batch the sink accepted whose cursor update then failed (the store went away, the
// process died in between) is sent again; receivers drop repeats by seq.
import { hostname } from "node:os";
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import type { SealedAuditEvent } from "../audit/audit-event";
import { AuditChainRepository } from "../audit/audit-chain.repository";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { type OcsfContext, ocsfContextFor } from "../export/ocsf";
import { signPayload } from "../notifications/signature";
import { openWebhookSecret } from "../notifications/webhook-secret";
import { sendWebhook } from "../notifications/webhook-sender";
import { CONTROL_PLANE_VERSION } from "../version";
import { type AuditSinkRecord, AuditSinkRepository } from "./audit-sink.repository";
import { octetCounted, syslogMessage, webhookBatchBody } from "./sink-format";
import { sendSyslog } from "./syslog-sender";

/** Events per batch (one POST, one syslog connection). */
export const SINK_BATCH = 500;
/** Batches one job sends before it yields the worker (the dispatcher enqueues it again). */
const BATCHES_PER_JOB = 20;

export const SINK_USER_AGENT = `airlock-audit-sinks/${CONTROL_PLANE_VERSION}`;
export const SINK_EVENT_HEADER = "audit.events";
export const SINK_TEST_EVENT_HEADER = "audit.sink_test";

/** Thrown to make BullMQ retry; the message names the sink and a short error class. */
export class SinkDeliveryFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SinkDeliveryFailed";
  }
}

export type SinkSendOutcome = { ok: true } | { ok: false; error: string };

@Injectable()
export class SinkDeliverer {
  private readonly logger: Logger;
  private readonly hostname = hostname();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly sinks: AuditSinkRepository,
    private readonly chain: AuditChainRepository,
  ) {
    this.logger = root.child({ component: "audit-sinks" });
  }

  /** One job: batches until the sink has caught up (or BATCHES_PER_JOB); throws on failure. */
  async deliver(sinkId: string): Promise<void> {
    for (let batch = 0; batch < BATCHES_PER_JOB; batch++) {
      const sink = await this.sinks.findById(sinkId);
      if (sink === null || !sink.enabled) return;
      const cursor = await this.sinks.cursor(sinkId);
      if (cursor === null) return;
      const events = await this.chain.sealedAfter(cursor, SINK_BATCH);
      const last = events.at(-1);
      if (last === undefined) return;
      const first = events[0] as SealedAuditEvent;
      if (first.seq !== cursor + 1n) {
        // Retention pruned events this sink never got; say so, and go on from what is kept.
        this.logger.warn(
          { sink: sink.name, cursor: cursor.toString(), next: first.seq.toString() },
          "audit events after the sink's cursor were pruned by retention before it got them",
        );
      }

      const outcome = await this.send(sink, events, last.seq, false);
      if (!outcome.ok) {
        await this.sinks.recordFailure(sink.id, outcome.error, new Date());
        throw new SinkDeliveryFailed(
          `audit sink "${sink.name}": ${outcome.error}; retried from seq ${(cursor + 1n).toString()}`,
        );
      }
      const moved = await this.sinks.advance(sink.id, cursor, last.seq, new Date());
      if (sink.lastError !== null && moved)
        this.logger.info({ sink: sink.name }, "audit sink accepts deliveries again");
      this.logger.debug(
        { sink: sink.name, from: first.seq.toString(), to: last.seq.toString(), moved },
        "audit events delivered",
      );
      // Another delivery moved the cursor meanwhile: leave the rest to the next job.
      if (!moved || events.length < SINK_BATCH) return;
    }
  }

  /** Sends `events` (or, for a test, the one synthetic event) to the sink once. */
  async send(
    sink: AuditSinkRecord,
    events: readonly SealedAuditEvent[],
    nextCursor: bigint,
    test: boolean,
  ): Promise<SinkSendOutcome> {
    const ctx = await this.context(events);
    if (sink.kind === "webhook") return this.sendWebhook(sink, events, nextCursor, ctx, test);
    if (sink.syslogHost === null || sink.syslogPort === null || sink.syslogTransport === null)
      return { ok: false, error: "the sink's syslog settings are incomplete; create it again" };
    const frames = events.map((e) =>
      octetCounted(syslogMessage(sink.format, e, ctx, this.hostname)),
    );
    const outcome = await sendSyslog(
      {
        host: sink.syslogHost,
        port: sink.syslogPort,
        transport: sink.syslogTransport,
        caPem: sink.syslogCaPem,
      },
      frames,
    );
    return outcome.ok ? outcome : { ok: false, error: `syslog: ${outcome.error}` };
  }

  private async sendWebhook(
    sink: AuditSinkRecord,
    events: readonly SealedAuditEvent[],
    nextCursor: bigint,
    ctx: OcsfContext,
    test: boolean,
  ): Promise<SinkSendOutcome> {
    if (sink.url === null || sink.secretCiphertext === null)
      return { ok: false, error: "the sink's webhook settings are incomplete; create it again" };
    let secret: string;
    try {
      secret = openWebhookSecret(this.config.masterKey, sink.id, sink.secretCiphertext);
    } catch {
      return {
        ok: false,
        error:
          "the stored secret does not open under AIRLOCK_MASTER_KEY; delete the sink and create it again",
      };
    }
    const body = webhookBatchBody(sink.name, sink.format, events, nextCursor, ctx, test);
    const outcome = await sendWebhook({
      url: sink.url,
      body,
      headers: {
        "content-type": "application/json",
        "user-agent": SINK_USER_AGENT,
        "x-airlock-event": test ? SINK_TEST_EVENT_HEADER : SINK_EVENT_HEADER,
        "x-airlock-signature": signPayload(secret, body, Math.floor(Date.now() / 1000)),
      },
    });
    return outcome.ok ? { ok: true } : { ok: false, error: `webhook: ${outcome.error}` };
  }

  /** The formatters' context: the version, and the owners of service accounts acting. */
  private context(events: readonly SealedAuditEvent[]): Promise<OcsfContext> {
    return ocsfContextFor(events, CONTROL_PLANE_VERSION, (ids) => this.sinks.owners(ids));
  }
}
