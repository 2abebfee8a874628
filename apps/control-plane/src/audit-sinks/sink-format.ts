// What a push sink receives (docs/design/0010-audit.md, "Export (push)"). Pure: the events are
// written by the export's own formatters (../export/ocsf.ts), so a sink and the pull export
// produce the same event for the same seq.
//
// webhook: one POST per batch, `{ "sink": <name>, "events": [...], "next_cursor": "<seq>" }`
//   (events: OCSF objects, JSON-line objects, or CEF strings), signed like approval webhooks.
// syslog: one RFC 5424 message per event, octet-counted (RFC 6587 §3.4.1):
//   `<len> <PRI>1 <at> <hostname> airlock - <code> [airlock@32473 seq="…" correlation="…"] <payload>`
//   PRI = facility 13 (log audit) × 8 + the severity; payload: the CEF line, or the OCSF or
//   JSON-line event as one line of JSON.
import type { SealedAuditEvent } from "../audit/audit-event";
import { type OcsfContext, toCef, toJsonl, toJsonlRecord, toOcsf } from "../export/ocsf";
import type { SinkFormat } from "./audit-sink.schemas";

/** The body of one webhook batch. */
export interface WebhookBatch {
  sink: string;
  /** Set on the message POST /api/v1/audit/sinks/:name/test sends; absent otherwise. */
  test?: true;
  events: unknown[];
  /** The seq of the batch's last event: the sink's cursor once it is accepted. */
  next_cursor: string;
}

/** One event as a webhook batch carries it. */
export function webhookEvent(format: SinkFormat, e: SealedAuditEvent, ctx: OcsfContext): unknown {
  switch (format) {
    case "ocsf":
      return toOcsf(e, ctx);
    case "jsonl":
      return toJsonlRecord(e);
    case "cef":
      return toCef(e, ctx);
  }
}

export function webhookBatchBody(
  sink: string,
  format: SinkFormat,
  events: readonly SealedAuditEvent[],
  nextCursor: bigint,
  ctx: OcsfContext,
  test = false,
): string {
  const batch: WebhookBatch = {
    sink,
    ...(test ? { test: true as const } : {}),
    events: events.map((e) => webhookEvent(format, e, ctx)),
    next_cursor: nextCursor.toString(),
  };
  return JSON.stringify(batch);
}

/** The Private Enterprise Number of the structured-data id (`airlock@32473`). */
export const SD_ENTERPRISE = 32473;
/** RFC 5424 facility 13: log audit. */
export const SYSLOG_FACILITY = 13;

/** OCSF severity_id (0 Unknown … 6 Fatal) → RFC 5424 severity (0 Emergency … 7 Debug). */
const SYSLOG_SEVERITY: Readonly<Record<number, number>> = {
  0: 6,
  1: 6, // Informational → informational
  2: 5, // Low → notice
  3: 4, // Medium → warning
  4: 3, // High → error
  5: 2, // Critical → critical
  6: 1, // Fatal → alert
};

export function syslogSeverity(ocsfSeverityId: number): number {
  return SYSLOG_SEVERITY[ocsfSeverityId] ?? 6;
}

/** An RFC 5424 HOSTNAME: 1 to 255 printable US-ASCII characters, else the nil value. */
export function syslogHostname(name: string): string {
  return /^[\x21-\x7e]{1,255}$/.test(name) ? name : "-";
}

/** An SD-PARAM value: `"`, `\` and `]` escaped (RFC 5424 §6.3.3). */
export function sdEscape(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** MSGID: 1 to 32 printable US-ASCII characters (the event code fits). */
function msgId(code: string): string {
  const clean = code.replace(/[^\x21-\x7e]/g, "_").slice(0, 32);
  return clean === "" ? "-" : clean;
}

/** The payload of one syslog message: one line. */
export function syslogPayload(format: SinkFormat, e: SealedAuditEvent, ctx: OcsfContext): string {
  switch (format) {
    case "cef":
      return toCef(e, ctx);
    case "jsonl":
      return toJsonl(e);
    case "ocsf":
      return JSON.stringify(toOcsf(e, ctx));
  }
}

/** One RFC 5424 message (without framing). */
export function syslogMessage(
  format: SinkFormat,
  e: SealedAuditEvent,
  ctx: OcsfContext,
  hostname: string,
): string {
  const pri = SYSLOG_FACILITY * 8 + syslogSeverity(toOcsf(e, ctx).severity_id);
  const params = [`seq="${e.seq.toString()}"`];
  if (e.correlationId !== null) params.push(`correlation="${sdEscape(e.correlationId)}"`);
  const sd = `[airlock@${SD_ENTERPRISE} ${params.join(" ")}]`;
  const header = `<${pri}>1 ${e.at.toISOString()} ${syslogHostname(hostname)} airlock - ${msgId(e.code)}`;
  return `${header} ${sd} ${syslogPayload(format, e, ctx)}`;
}

/** Octet-counting framing (RFC 6587 §3.4.1): `MSG-LEN SP SYSLOG-MSG`, the length in bytes. */
export function octetCounted(message: string): Buffer {
  const bytes = Buffer.from(message, "utf8");
  return Buffer.concat([Buffer.from(`${bytes.length} `, "ascii"), bytes]);
}
