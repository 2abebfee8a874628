// REST shapes of audit push sinks (docs/design/0010-audit.md, "Export (push)"). A webhook
// sink's signing secret appears in one response only: the create's. Seqs are strings (they
// are 64-bit), like `seq` in the export formats.
import { z } from "zod";
import { caCertificatesProblem } from "../connections/ca-certificates";
import { CreateWebhookBody, WebhookUrl } from "../notifications/webhook.schemas";
import { Name, NullableTimestamp, Timestamp } from "../validation/common.schemas";

export const SINK_KINDS = ["webhook", "syslog"] as const;
export type SinkKind = (typeof SINK_KINDS)[number];
export const SINK_FORMATS = ["ocsf", "cef", "jsonl"] as const;
export type SinkFormat = (typeof SINK_FORMATS)[number];
export const SYSLOG_TRANSPORTS = ["tcp", "tls"] as const;
export type SyslogTransport = (typeof SYSLOG_TRANSPORTS)[number];
export const SINK_STARTS = ["beginning", "now"] as const;

const quotedList = (values: readonly string[]): string => {
  const quoted = values.map((v) => `"${v}"`);
  return `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1) ?? ""}`;
};

const Format = z.enum(SINK_FORMATS, { error: `must be ${quotedList(SINK_FORMATS)}` });

const Start = z
  .enum(SINK_STARTS, { error: `must be ${quotedList(SINK_STARTS)}` })
  .default("beginning")
  .describe(
    '"beginning": deliver every sealed event still kept (cursor 0); "now": only events sealed after the sink is created',
  );

const Enabled = z
  .boolean()
  .default(true)
  .describe("deliver to it; a disabled sink keeps its cursor and delivers nothing");

const HOST_RULE = "must be a host name or IP address (no scheme, port, path or spaces)";
const Host = z
  .string({ error: HOST_RULE })
  .min(1, { error: HOST_RULE })
  .max(253, { error: HOST_RULE })
  .regex(/^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?|\[?[0-9A-Fa-f:.]+\]?)$/, {
    error: HOST_RULE,
  })
  .transform((host) => host.replace(/^\[(.*)\]$/, "$1"));

const PORT_RULE = "expected an integer from 1 to 65535";
const Port = z.int({ error: PORT_RULE }).min(1, { error: PORT_RULE }).max(65535, {
  error: PORT_RULE,
});

const MAX_PEM_CHARS = 65_536;
const CaPem = z
  .string()
  .max(MAX_PEM_CHARS, { error: `must be at most ${MAX_PEM_CHARS} characters of PEM` })
  .superRefine((pem, ctx) => {
    const problem = caCertificatesProblem(pem);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
  })
  .describe(
    "tls only: PEM of the CA certificate(s) that verify the syslog server; absent: the system's roots",
  );

const WebhookSinkBody = z.strictObject({
  name: Name,
  kind: z.literal("webhook"),
  format: Format.default("ocsf").describe("how each event is written: ocsf (default), cef, jsonl"),
  url: WebhookUrl.describe("where batches are POSTed (https://, or http:// as for webhooks)"),
  secret: CreateWebhookBody.shape.secret,
  start: Start,
  enabled: Enabled,
});

const SyslogSinkBody = z
  .strictObject({
    name: Name,
    kind: z.literal("syslog"),
    format: Format.default("cef").describe(
      "the message payload: cef (default), ocsf (JSON) or jsonl (the event as JSON)",
    ),
    host: Host.describe("the syslog server"),
    port: Port.describe("its port (commonly 6514 for tls, 601 or 514 for tcp)"),
    transport: z
      .enum(SYSLOG_TRANSPORTS, { error: `must be ${quotedList(SYSLOG_TRANSPORTS)}` })
      .default("tls")
      .describe("tls (default; RFC 5425) or tcp (RFC 6587), octet-counted either way"),
    caPem: CaPem.optional(),
    start: Start,
    enabled: Enabled,
  })
  .superRefine((body, ctx) => {
    if (body.caPem !== undefined && body.transport !== "tls") {
      ctx.addIssue({
        code: "custom",
        path: ["caPem"],
        message: 'is for transport "tls" only; plain tcp checks no certificate',
      });
    }
  });

export const CreateAuditSinkBody = z.discriminatedUnion("kind", [WebhookSinkBody, SyslogSinkBody], {
  error: `must be ${quotedList(SINK_KINDS)}`,
});
export type CreateAuditSinkBody = z.output<typeof CreateAuditSinkBody>;

export const AuditSinkParam = Name;

export const AuditSinkView = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: z.enum(SINK_KINDS),
  format: z.enum(SINK_FORMATS),
  enabled: z.boolean(),
  /** webhook sinks: where batches go; null for syslog. */
  url: z.string().nullable(),
  /** syslog sinks: where messages go; null for webhooks. */
  syslog: z
    .object({
      host: z.string(),
      port: z.int(),
      transport: z.enum(SYSLOG_TRANSPORTS),
      /** Whose CA verifies the server (tls): one given at creation, or the system's roots. */
      ca: z.enum(["custom", "system"]).nullable(),
    })
    .nullable(),
  /** The seq of the last event the sink accepted ("0": none yet). */
  cursor: z.string(),
  /** Sealed events not delivered yet: the chain's head seq minus the cursor. */
  lag: z.int(),
  /** Why the last attempt failed; null once a delivery succeeds. */
  lastError: z.string().nullable(),
  lastErrorAt: NullableTimestamp,
  lastDeliveredAt: NullableTimestamp,
  createdAt: Timestamp,
});
export type AuditSinkView = z.output<typeof AuditSinkView>;

export const AuditSinkList = z.object({
  /** The seq of the newest sealed event ("0": none). */
  head: z.string(),
  items: z.array(AuditSinkView),
});
export type AuditSinkList = z.output<typeof AuditSinkList>;

export const CreatedAuditSink = z.object({
  sink: AuditSinkView,
  /** webhook sinks: the signing secret, shown once; it is never returned again. */
  secret: z.string().optional(),
});
export type CreatedAuditSink = z.output<typeof CreatedAuditSink>;

export const AuditSinkTestResult = z.object({
  sink: z.string(),
  /** Whether the sink accepted the test message (2xx; syslog: written and closed cleanly). */
  ok: z.boolean(),
  error: z.string().nullable(),
});
export type AuditSinkTestResult = z.output<typeof AuditSinkTestResult>;
