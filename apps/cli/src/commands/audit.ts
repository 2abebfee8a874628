// `airlock audit …`: the audit trail for auditors (docs/design/0010-audit.md).
//   export  stream sealed events (OCSF, CEF or JSONL) to stdout or a file, resumable by cursor
//   verify  check the hash chain and its signed checkpoints; exit 0 intact, 3 tampered
import { appendFileSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import { type CliContext, connect } from "../context";
import { ReportedError, UsageError } from "../errors";
import { AuditApi, EXPORT_FORMATS, type ExportFormat, type VerifyResult } from "../http/audit-api";
import { outputOption } from "../output/format-option";
import { sanitize } from "../output/text";
import { commonOptions, emit } from "./shared";
import { parseSince } from "./time-flags";

interface ExportOptions {
  format: ExportFormat;
  cursor?: string;
  since?: string;
  limit?: number;
  follow?: boolean;
  interval: number;
  outFile?: string;
}

/** The `audit` command group; each subcommand registers itself on it. */
export function registerAudit(program: Command, ctx: CliContext): void {
  const audit = program
    .command("audit")
    .description("export and check the audit trail (needs the auditor or admin role)");
  registerAuditExport(audit, ctx);
  registerAuditVerify(audit, ctx);
}

/** Exit code of `audit verify` when the chain shows tampering. */
export const VERIFY_TAMPERED_EXIT = 3;

function registerAuditVerify(audit: Command, ctx: CliContext): void {
  audit
    .command("verify")
    .description("check that no audit event was edited, removed, inserted or reordered")
    .option("--from <when>", "check events from: a duration ago (24h, 7d) or an ISO time")
    .option("--to <when>", "…up to: a duration ago or an ISO time (default: now)")
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
The control plane walks the hash chain from the signed checkpoint before --from and checks
every event's hash, the order, and each checkpoint's Ed25519 signature (public key:
GET /api/v1/audit/public-key). Exit codes: 0 intact, ${VERIFY_TAMPERED_EXIT} problems found, 1 error.

Examples:
  airlock audit verify
  airlock audit verify --from 24h -o json`,
    )
    .action(async (options: { from?: string; to?: string }, cmd: Command) => {
      const now = new Date();
      const range = {
        ...(options.from === undefined ? {} : { from: parseSince(options.from, now, "--from") }),
        ...(options.to === undefined ? {} : { to: parseSince(options.to, now, "--to") }),
      };
      const { api, target, credentials } = connect(ctx, commonOptions(cmd).profile);
      const auditApi = new AuditApi(api.http, {
        baseUrl: target.url,
        credentials,
        fetch: ctx.fetch,
        userAgent: `airlock-cli/${ctx.version}`,
      });
      const result = await auditApi.verify(range);
      emit(ctx, cmd, result, () => verifyReport(result));
      if (!result.ok) throw new ReportedError(VERIFY_TAMPERED_EXIT);
    });
}

export function verifyReport(r: VerifyResult): string {
  const range =
    r.firstSeq === null ? "no events in range" : `events ${r.firstSeq}…${r.lastSeq} (${r.events})`;
  const checkpoint =
    r.lastCheckpoint === null
      ? "none yet"
      : `seq ${r.lastCheckpoint.seq} at ${r.lastCheckpoint.at}`;
  const lines = [
    r.ok ? "Audit chain intact" : `Audit chain TAMPERED: ${r.problems.length} problem(s)`,
    `Checked:          ${range}, ${r.checkpoints} signed checkpoint(s)`,
    `Last checkpoint:  ${checkpoint}`,
  ];
  for (const p of r.problems) {
    lines.push(`  ${p.kind}${p.seq === null ? "" : ` at seq ${p.seq}`}: ${sanitize(p.message)}`);
  }
  return `${lines.join("\n")}\n`;
}

function registerAuditExport(audit: Command, ctx: CliContext): void {
  audit
    .command("export")
    .description("stream audit events, oldest first, to stdout or a file (one per line)")
    .addOption(
      new Option("--format <format>", "ocsf (OCSF 1.8.0 JSON), cef, or jsonl (events as stored)")
        .choices(EXPORT_FORMATS)
        .default("ocsf"),
    )
    .option(
      "--cursor <seq>",
      "start after this seq: the cursor a previous export printed",
      parseSeq,
    )
    .option("--since <when>", "start at the first event since: a duration (30m, 2d) or an ISO time")
    .option("--limit <n>", "events per request, 1 to 5000 (default: the server's)", parseLimit)
    .option("--follow", "keep waiting for new events until interrupted (Ctrl-C)")
    .option(
      "--interval <seconds>",
      "with --follow: how often to ask for new events",
      parseInterval,
      5,
    )
    .option("-o, --out-file <file>", "append the events to this file instead of printing them")
    .addHelpText(
      "after",
      `
Each event is one line: a JSON object (ocsf, jsonl) or a CEF record (cef). When it stops
(done, interrupted, or failed), the command prints the cursor to resume from on stderr:
  next_cursor=<seq>
Pass it back with --cursor to get every later event exactly once.

Examples:
  airlock audit export --since 24h -o audit.ocsf.jsonl
  airlock audit export --format cef --cursor 41250 --follow | logger -t airlock`,
    )
    .action(async (options: ExportOptions, cmd: Command) => {
      if (options.cursor !== undefined && options.since !== undefined)
        throw new UsageError("--cursor and --since both say where to start; give one");
      const { api, target, credentials } = connect(ctx, commonOptions(cmd).profile);
      const audit = new AuditApi(api.http, {
        baseUrl: target.url,
        credentials,
        fetch: ctx.fetch,
        userAgent: `airlock-cli/${ctx.version}`,
      });
      await exportEvents(ctx, audit, options);
    });
}

async function exportEvents(ctx: CliContext, api: AuditApi, options: ExportOptions): Promise<void> {
  const write = (text: string): void => {
    if (options.outFile === undefined) ctx.term.out(text);
    else appendFileSync(options.outFile, text);
  };
  let stopped = false;
  let wake: (() => void) | undefined;
  const unsubscribe =
    options.follow === true
      ? ctx.signals.onStop(() => {
          stopped = true;
          wake?.();
        })
      : () => undefined;

  let cursor = options.cursor;
  let since = options.since === undefined ? undefined : parseSince(options.since, ctx.now());
  let count = 0;
  try {
    while (!stopped) {
      const page = await api.exportPage({
        format: options.format,
        ...(since === undefined ? { cursor: cursor ?? "0" } : { since }),
        ...(options.limit === undefined ? {} : { limit: options.limit }),
      });
      if (page.lines.length > 0) write(page.lines.map((line) => `${line}\n`).join(""));
      count += page.lines.length;
      if (page.hasMore && page.nextCursor === (cursor ?? "0") && since === undefined)
        throw new UsageError(`the server repeated cursor ${page.nextCursor}; stopping`);
      cursor = page.nextCursor;
      since = undefined;
      if (page.hasMore) continue;
      if (options.follow !== true) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.interval * 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    unsubscribe();
    // Where to resume, whatever happened (after what was written, so nothing is skipped).
    if (cursor !== undefined) {
      ctx.term.err(`next_cursor=${cursor}\n`);
    }
    if (options.outFile !== undefined) {
      ctx.term.err(`${count} event${count === 1 ? "" : "s"} appended to ${options.outFile}\n`);
    }
  }
}

function parseSeq(value: string): string {
  if (!/^\d{1,19}$/.test(value)) throw new InvalidArgumentError("expected a whole number (a seq).");
  return value;
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!/^\d+$/.test(value) || limit < 1 || limit > 5000) {
    throw new InvalidArgumentError("expected an integer from 1 to 5000.");
  }
  return limit;
}

function parseInterval(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 3600) {
    throw new InvalidArgumentError("expected a number of seconds from 0.1 to 3600.");
  }
  return seconds;
}
