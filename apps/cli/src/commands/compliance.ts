// `airlock compliance report`: evidence for auditors (docs/design/0010-audit.md, "Evidence and
// replay"). The NIST SP 800-53 report for a period, as a summary table, Airlock's JSON, or an
// OSCAL Assessment Results document, printed or written to a file.
import { chmodSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Command, Option } from "commander";
import { type CliContext, connect } from "../context";
import { CliError } from "../errors";
import {
  ComplianceApi,
  type NistReport,
  REPORT_FORMATS,
  type ReportFormat,
} from "../http/compliance-api";
import { renderJson } from "../output/json";
import { renderTable } from "../output/table";
import { commonOptions } from "./shared";
import { parseSince } from "./time-flags";

interface ReportOptions {
  from?: string;
  to?: string;
  format: ReportFormat;
  outFile?: string;
}

export function registerCompliance(program: Command, ctx: CliContext): void {
  const compliance = program
    .command("compliance")
    .description("compliance evidence from the audit trail (needs the auditor or admin role)");

  compliance
    .command("report")
    .description(
      "NIST SP 800-53 report for a period: per control what Airlock enforced, counts, sample events and gaps",
    )
    .option(
      "--from <when>",
      "start of the period: a duration ago (7d, 24h) or an ISO time (default: 30 days before --to)",
    )
    .option("--to <when>", "end of the period: a duration ago or an ISO time (default: now)")
    .addOption(
      new Option("--format <format>", "json (Airlock's report) or oscal (OSCAL Assessment Results)")
        .choices(REPORT_FORMATS)
        .default("json"),
    )
    .option("-o, --out-file <file>", "write the document to this file ('-' for stdout)")
    .addHelpText(
      "after",
      `
Controls: AC-2, AC-6, AU-2, AU-3, AU-6, AU-9, AU-12, SC-7, IR-4. Without -o, the json
format prints a summary (control, status, gaps) and oscal prints the document.

Examples:
  airlock compliance report --from 30d
  airlock compliance report --from 2026-11-01 --to 2026-12-01 --format oscal -o sar.json`,
    )
    .action(async (options: ReportOptions, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const now = ctx.now();
      const query = {
        from: options.from === undefined ? undefined : parseSince(options.from, now, "--from"),
        to: options.to === undefined ? undefined : parseSince(options.to, now, "--to"),
      };
      const compliance = new ComplianceApi(api.http);
      if (options.format === "oscal") {
        const document = await compliance.nistOscal(query);
        if (options.outFile === undefined || options.outFile === "-") {
          ctx.term.out(renderJson(document));
          return;
        }
        const file = writeDocument(options.outFile, document);
        ctx.term.out(`Wrote the OSCAL Assessment Results document to ${file}\n`);
        return;
      }
      const report = await compliance.nist(query);
      if (options.outFile === "-") {
        ctx.term.out(renderJson(report));
        return;
      }
      if (options.outFile !== undefined) {
        const file = writeDocument(options.outFile, report);
        ctx.term.out(`Wrote the report to ${file}\n${summaryLine(report)}\n`);
        return;
      }
      ctx.term.out(summary(report));
    });
}

/** The human summary: the period, the chain, then one row per control and gap. */
export function summary(report: NistReport): string {
  const rows = report.controls.flatMap((control) => {
    const [first, ...rest] = control.gaps;
    return [
      { control: `${control.id} ${control.title}`, status: control.status, gap: first ?? "-" },
      ...rest.map((gap) => ({ control: "", status: "", gap })),
    ];
  });
  const table = renderTable(
    [
      { header: "CONTROL", value: (r: (typeof rows)[number]) => r.control },
      { header: "STATUS", value: (r) => r.status },
      { header: "GAPS", value: (r) => r.gap },
    ],
    rows,
  );
  const v = report.verification;
  const chain = v.ok
    ? `audit chain verified (${v.events} events)`
    : `audit chain verification FAILED (${v.problems.length} problems)`;
  return `NIST SP 800-53 report, ${report.period.from} to ${report.period.to}; ${chain}\n\n${table}\n${summaryLine(report)}\n`;
}

function summaryLine(report: NistReport): string {
  const s = report.summary;
  return `${s["satisfied"] ?? 0} satisfied, ${s["partially-satisfied"] ?? 0} partially satisfied, ${s["not-satisfied"] ?? 0} not satisfied`;
}

/** Writes the document (mode 0644) and returns its absolute path. */
function writeDocument(file: string, document: unknown): string {
  const target = path.resolve(file);
  try {
    writeFileSync(target, renderJson(document), { mode: 0o644 });
    chmodSync(target, 0o644);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new CliError(`could not write ${target}: ${reason}`);
  }
  return target;
}
