// airlock admin audit-sinks: where the control plane pushes sealed audit events (a webhook
// or a syslog server; docs/design/0010-audit.md, "Export (push)"). The API client, the
// response shapes and the views of this one command group live here.
import { readSigningSecret, SIGNATURE_HELP, signingSecretBlock } from "./admin-webhooks";
import { readFileSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import { z } from "zod";
import { type CliContext, connect } from "../context";
import { ReportedError, UsageError } from "../errors";
import type { ApiClient } from "../http/api-client";
import { outputOption } from "../output/format-option";
import { renderDetails } from "../output/details";
import { type Column, renderTable } from "../output/table";
import { orDash } from "../output/text";
import { formatAge, formatTimestamp } from "../output/time";
import { commonOptions, emit, quoted } from "./shared";

// ---------------------------------------------------------------------------------------
// Response shapes: loose, so `--output json` passes on fields a newer control plane adds.

const AuditSinkSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  format: z.string(),
  enabled: z.boolean(),
  url: z.string().nullish(),
  syslog: z
    .looseObject({
      host: z.string(),
      port: z.number(),
      transport: z.string(),
      ca: z.string().nullish(),
    })
    .nullish(),
  cursor: z.string(),
  lag: z.number(),
  lastError: z.string().nullish(),
  lastErrorAt: z.string().nullish(),
  lastDeliveredAt: z.string().nullish(),
  createdAt: z.string(),
});
type AuditSink = z.infer<typeof AuditSinkSchema>;

const AuditSinkListSchema = z.object({ head: z.string(), items: z.array(AuditSinkSchema) });
type AuditSinkList = z.infer<typeof AuditSinkListSchema>;

const CreatedAuditSinkSchema = z.object({ sink: AuditSinkSchema, secret: z.string().optional() });
type CreatedAuditSink = z.infer<typeof CreatedAuditSinkSchema>;

const TestResultSchema = z.looseObject({
  sink: z.string(),
  ok: z.boolean(),
  error: z.string().nullish(),
});
type TestResult = z.infer<typeof TestResultSchema>;

const FORMATS = ["ocsf", "cef", "jsonl"] as const;
const TRANSPORTS = ["tcp", "tls"] as const;
const STARTS = ["beginning", "now"] as const;

type AuditSinkInput =
  | {
      name: string;
      kind: "webhook";
      url: string;
      format?: string;
      secret?: string;
      start?: string;
      enabled?: boolean;
    }
  | {
      name: string;
      kind: "syslog";
      host: string;
      port: number;
      transport?: string;
      caPem?: string;
      format?: string;
      start?: string;
      enabled?: boolean;
    };

const seg = encodeURIComponent;

/** The audit sinks endpoints (admin only), on the same client as AirlockApi. */
class AuditSinksApi {
  constructor(private readonly http: ApiClient) {}

  list(): Promise<AuditSinkList> {
    return this.http.get("/api/v1/audit/sinks", AuditSinkListSchema);
  }

  /** For a webhook the answer holds the signing secret, shown this once. */
  create(input: AuditSinkInput): Promise<CreatedAuditSink> {
    return this.http.post("/api/v1/audit/sinks", input, CreatedAuditSinkSchema);
  }

  delete(name: string): Promise<void> {
    return this.http.delete(`/api/v1/audit/sinks/${seg(name)}`);
  }

  test(name: string): Promise<TestResult> {
    return this.http.post(`/api/v1/audit/sinks/${seg(name)}/test`, {}, TestResultSchema);
  }
}

// ---------------------------------------------------------------------------------------
// Views.

function destination(s: AuditSink): string {
  if (s.syslog != null) return `syslog+${s.syslog.transport}://${hostPort(s.syslog)}`;
  return s.url ?? "-";
}

function hostPort(syslog: { host: string; port: number }): string {
  return syslog.host.includes(":")
    ? `[${syslog.host}]:${syslog.port}`
    : `${syslog.host}:${syslog.port}`;
}

function sinkTable(sinks: readonly AuditSink[], now: Date): string {
  const columns: Column<AuditSink>[] = [
    { header: "NAME", value: (s) => s.name },
    { header: "KIND", value: (s) => s.kind },
    { header: "FORMAT", value: (s) => s.format },
    { header: "DESTINATION", value: (s) => destination(s) },
    { header: "ENABLED", value: (s) => (s.enabled ? "yes" : "no") },
    { header: "CURSOR", value: (s) => s.cursor },
    { header: "LAG", value: (s) => String(s.lag) },
    { header: "DELIVERED", value: (s) => formatAge(s.lastDeliveredAt, now, "never") },
    { header: "LAST ERROR", value: (s) => orDash(s.lastError) },
  ];
  return renderTable(columns, sinks);
}

function sinkDetails(s: AuditSink, now: Date): string {
  const pairs: Array<[string, string]> = [
    ["Name", s.name],
    ["ID", s.id],
    ["Kind", s.kind],
    ["Format", s.format],
    ["Destination", destination(s)],
  ];
  if (s.syslog?.transport === "tls")
    pairs.push(["Trusts", s.syslog.ca === "custom" ? "the CA given" : "the system's CAs"]);
  pairs.push(
    ["Enabled", s.enabled ? "yes" : "no"],
    ["Cursor", `${s.cursor} (${s.lag} event${s.lag === 1 ? "" : "s"} behind)`],
    ["Last delivered", formatTimestamp(s.lastDeliveredAt, now)],
    ["Last error", orDash(s.lastError)],
    ["Created", formatTimestamp(s.createdAt, now)],
  );
  return renderDetails(pairs);
}

// ---------------------------------------------------------------------------------------
// Commands.

interface CreateOptions {
  url?: string;
  syslog?: { host: string; port: number };
  transport?: (typeof TRANSPORTS)[number];
  caFile?: string;
  format?: (typeof FORMATS)[number];
  start?: (typeof STARTS)[number];
  disabled?: boolean;
  secretStdin?: boolean;
}

function sinksApi(ctx: CliContext, cmd: Command): AuditSinksApi {
  return new AuditSinksApi(connect(ctx, commonOptions(cmd).profile).api.http);
}

export function registerAdminAuditSinks(admin: Command, ctx: CliContext): void {
  const sinks = admin
    .command("audit-sinks")
    .description("push sealed audit events to a SIEM: a signed webhook or a syslog server");

  sinks
    .command("create")
    .description("add a sink: --url for a webhook, --syslog for a syslog server")
    .argument("<name>", 'sink name: lowercase letters, digits, ".", "_", "-"')
    .option("--url <url>", "webhook: where batches are POSTed (https://…)")
    .option(
      "--syslog <host:port>",
      "syslog: the server (RFC 5424, octet-counted), e.g. siem.internal:6514",
      parseHostPort,
    )
    .addOption(
      new Option("--transport <transport>", "syslog: tls (default) or tcp").choices(TRANSPORTS),
    )
    .option(
      "--ca-file <path>",
      "syslog over tls: PEM of the CA that signed the server's certificate",
    )
    .addOption(
      new Option(
        "--format <format>",
        "how events are written (default: ocsf for webhooks, cef for syslog)",
      ).choices(FORMATS),
    )
    .addOption(
      new Option(
        "--start <where>",
        "beginning: every event kept (default); now: only events from now on",
      ).choices(STARTS),
    )
    .option("--disabled", "create it without delivering yet")
    .option(
      "--secret-stdin",
      "webhook: read the signing secret (16+ characters) from stdin or a hidden prompt; default: generated",
    )
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
Webhook batches are JSON POSTs { sink, events: [...], next_cursor } signed with
  ${SIGNATURE_HELP}
Syslog messages: <PRI>1 <time> <host> airlock - <code> [airlock@32473 seq="…" correlation="…"] <payload>

Each sink delivers from its own cursor: after an outage it catches up, in order.

Examples:
  airlock admin audit-sinks create siem-hook --url https://siem.internal/airlock
  airlock admin audit-sinks create siem --syslog siem.internal:6514 --ca-file ca.pem --format cef`,
    )
    .action(async (name: string, options: CreateOptions, cmd: Command) => {
      let input = createInput(name, options);
      const fromStdin = options.secretStdin === true && input.kind === "webhook";
      if (fromStdin && input.kind === "webhook")
        input = { ...input, secret: await readSigningSecret(ctx, "Audit sink signing secret: ") };
      const created = await sinksApi(ctx, cmd).create(input);
      emit(ctx, cmd, created, () =>
        [
          `Created audit sink ${quoted(created.sink.name)}.\n`,
          sinkDetails(created.sink, ctx.now()),
          fromStdin
            ? "Signing secret: the one you gave on stdin (not printed).\n"
            : created.secret === undefined
              ? ""
              : signingSecretBlock(created.secret, "batch"),
        ].join("\n"),
      );
    });

  sinks
    .command("list")
    .description("list sinks with their cursor, lag and last error")
    .addOption(outputOption())
    .action(async (_options: unknown, cmd: Command) => {
      const list = await sinksApi(ctx, cmd).list();
      emit(ctx, cmd, list, () =>
        list.items.length === 0
          ? "No audit sinks yet. Create one with: airlock admin audit-sinks create <name> --url <url>\n"
          : `${sinkTable(list.items, ctx.now())}\nChain head: seq ${list.head}\n`,
      );
    });

  sinks
    .command("delete")
    .description("delete a sink and its cursor")
    .argument("<name>", "sink name")
    .action(async (name: string, _options: unknown, cmd: Command) => {
      await sinksApi(ctx, cmd).delete(name);
      ctx.term.out(`Deleted audit sink ${quoted(name)}.\n`);
    });

  sinks
    .command("test")
    .description("send one test message (code audit.sink_test, seq 0) and report the answer")
    .argument("<name>", "sink name")
    .addOption(outputOption())
    .action(async (name: string, _options: unknown, cmd: Command) => {
      const result = await sinksApi(ctx, cmd).test(name);
      if (commonOptions(cmd).output === "json" || result.ok) {
        emit(ctx, cmd, result, () => `Audit sink ${quoted(name)} accepted the test message.\n`);
      } else {
        ctx.term.err(
          `Audit sink ${quoted(name)} did not accept the test message: ${result.error ?? "no reason given"}\n`,
        );
      }
      // Exit code 1 when the sink refused it (the answer is already printed).
      if (!result.ok) throw new ReportedError(1);
    });
}

function createInput(name: string, o: CreateOptions): AuditSinkInput {
  if ((o.url === undefined) === (o.syslog === undefined))
    throw new UsageError("give exactly one of --url (a webhook) or --syslog <host:port>");
  const common = {
    name,
    ...(o.format === undefined ? {} : { format: o.format }),
    ...(o.start === undefined ? {} : { start: o.start }),
    ...(o.disabled === true ? { enabled: false } : {}),
  };
  if (o.url !== undefined) {
    for (const [flag, given] of [
      ["--transport", o.transport],
      ["--ca-file", o.caFile],
    ] as const) {
      if (given !== undefined) throw new UsageError(`${flag} is for --syslog sinks only`);
    }
    return { ...common, kind: "webhook", url: o.url };
  }
  if (o.secretStdin === true)
    throw new UsageError("--secret-stdin is for --url (webhook) sinks only");
  const syslog = o.syslog as { host: string; port: number };
  const caPem = o.caFile === undefined ? undefined : readCaFile(o.caFile);
  return {
    ...common,
    kind: "syslog",
    host: syslog.host,
    port: syslog.port,
    ...(o.transport === undefined ? {} : { transport: o.transport }),
    ...(caPem === undefined ? {} : { caPem }),
  };
}

/** `host:port`, `[v6]:port`. */
function parseHostPort(value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/@[\]]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (match === null || port < 1 || port > 65535)
    throw new InvalidArgumentError("expected host:port, e.g. siem.internal:6514 or [::1]:6514.");
  return { host: (match[1] ?? match[2]) as string, port };
}

function readCaFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new UsageError(
      `--ca-file: cannot read ${file} (${typeof code === "string" ? code : "unreadable"})`,
    );
  }
}
