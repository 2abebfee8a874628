import type { Review } from "../http/approval-schemas";
import type { Session, SessionCommand, SessionDetail } from "../http/schemas";
import { renderDetails } from "../output/details";
import { formatDuration, formatMillis, spanBetween } from "../output/duration";
import { type Column, layoutTable, renderTable } from "../output/table";
import { orDash, sanitize } from "../output/text";
import { formatAge, formatTimestamp } from "../output/time";

export function sessionTable(sessions: readonly Session[], now: Date): string {
  const columns: Column<Session>[] = [
    { header: "ID", value: (s) => s.id },
    { header: "USER", value: (s) => s.user.name },
    { header: "CONNECTION", value: (s) => orDash(s.connection?.name) },
    { header: "STATUS", value: (s) => s.status },
    { header: "STARTED", value: (s) => formatAge(s.startedAt, now) },
    { header: "DURATION", value: (s) => sessionDuration(s, now) },
    { header: "COMMANDS", value: (s) => (s.commandCount == null ? "-" : String(s.commandCount)) },
    { header: "CLOSE REASON", value: (s) => orDash(s.closeReason) },
  ];
  return renderTable(columns, sessions);
}

export interface CommandViewOptions {
  /** Terminal width: SQL is cut to fit. Undefined (not a terminal): never cut. */
  readonly width: number | undefined;
  /** --full: never cut. */
  readonly full: boolean;
  /** --rows N: recorded result rows shown under each command (default 3; 0: none). */
  readonly rows?: number;
}

/** `sessions show`: the session's header, then its commands in order. */
export function sessionDetails(s: SessionDetail, now: Date, options: CommandViewOptions): string {
  const header = renderDetails([
    ["Session", s.id],
    ["User", s.user.kind ? `${s.user.name} (${s.user.kind})` : s.user.name],
    ["Connection", orDash(s.connection?.name)],
    ["Connector", orDash(s.connector?.name)],
    ["Protocol", s.protocol],
    ["Client address", orDash(s.clientAddress)],
    ["Status", s.status],
    ["Started", formatTimestamp(s.startedAt, now)],
    ["Ended", formatTimestamp(s.endedAt, now, "-")],
    ["Duration", sessionDuration(s, now)],
    ["Close reason", closeLabel(s)],
    ["Commands", String(s.commandCount ?? s.commands.length)],
  ]);
  const commands =
    s.commands.length === 0 ? "No commands recorded.\n" : commandTable(s.commands, options);
  const reviews = s.reviews ?? [];
  return reviews.length === 0
    ? `${header}\n${commands}`
    : `${header}\n${commands}\n${approvalTrail(reviews, s.id, now)}`;
}

/**
 * The approval trail: per review of the session, what was held (seq), by which rule, who
 * voted what and why, who decided, and when it ran (and in which session).
 */
export function approvalTrail(reviews: readonly Review[], sessionId: string, now: Date): string {
  const lines = ["Approvals:"];
  for (const r of reviews) {
    const need = `${r.approvals}/${r.minApprovals} approval${r.minApprovals === 1 ? "" : "s"} from ${r.approvers.join(", ")}`;
    const seq = r.commandSeq == null ? "" : ` seq ${r.commandSeq}`;
    lines.push(
      `  ${r.id}  ${r.status}${seq}  rule ${r.ruleId ?? "-"}  ${need}${r.breakGlass ? "  BREAK GLASS" : ""}`,
    );
    lines.push(`    requested by ${r.requester.name}  ${formatTimestamp(r.createdAt, now)}`);
    if (r.justification) lines.push(`    justification: ${sanitize(r.justification)}`);
    for (const v of r.votes) {
      const reason = v.reason ? `: ${sanitize(v.reason)}` : "";
      lines.push(
        `    ${v.verdict === "approve" ? "approved" : "rejected"} by ${v.voter.name}${v.breakGlass ? " (break glass)" : ""}  ${formatTimestamp(v.at, now)}${reason}`,
      );
    }
    if (r.status === "expired" || r.status === "cancelled") {
      lines.push(
        `    ${r.status}  ${formatTimestamp(r.decidedAt ?? r.expiresAt, now)}${r.decisionReason ? `: ${sanitize(r.decisionReason)}` : ""}`,
      );
    }
    if (r.executedAt) {
      const where =
        r.executionSessionId && r.executionSessionId !== sessionId
          ? ` in session ${r.executionSessionId}`
          : "";
      lines.push(`    ran${where}  ${formatTimestamp(r.executedAt, now)}`);
    }
  }
  return lines.join("\n") + "\n";
}

/**
 * SEQ, TIME (received, UTC), DECISION, STATUS, DURATION, ROWS, SQL — one line per command,
 * with the SQL on one line and its parameters appended as `-- $1='x', $2=NULL`. A failed or
 * refused command gets a second line under its SQL: the error code and message, or the
 * decision with the rules that matched and the reasons.
 */
export function commandTable(
  commands: readonly SessionCommand[],
  options: CommandViewOptions,
): string {
  const columns: Column<SessionCommand>[] = [
    { header: "SEQ", value: (c) => String(c.seq) },
    { header: "TIME", value: (c) => timeOfDay(c.receivedAt) },
    { header: "DECISION", value: (c) => c.decision },
    { header: "STATUS", value: (c) => c.status },
    { header: "DURATION", value: (c) => formatMillis(c.durationMs) },
    { header: "ROWS", value: (c) => (c.rowCount == null ? "-" : String(c.rowCount)) },
    // Filled in below, once the column's offset (and so its room) is known.
    { header: "SQL", value: () => "" },
  ];
  const layout = layoutTable(columns, commands);
  const sqlAt = layout.offsets[columns.length - 1] ?? 0;
  const room =
    options.full || options.width === undefined ? undefined : Math.max(20, options.width - sqlAt);
  const lines = [layout.header];
  commands.forEach((command, i) => {
    const row = (layout.rows[i] ?? "").padEnd(sqlAt);
    lines.push(`${row}${fit(sanitize(commandLine(command)), room)}`);
    const problem = problemLine(command);
    if (problem !== undefined) lines.push(`${" ".repeat(sqlAt)}${fit(sanitize(problem), room)}`);
    const masked = maskedLine(command);
    if (masked !== undefined) lines.push(`${" ".repeat(sqlAt)}${masked}`);
    for (const line of sampleLines(command, options.rows ?? 3)) {
      lines.push(`${" ".repeat(sqlAt)}${fit(sanitize(line), room)}`);
    }
  });
  return lines.join("\n") + "\n";
}

/** `masked: EMAIL 3, CREDIT_CARD 3` when the connector masked values of the result. */
export function maskedLine(command: Pick<SessionCommand, "maskCounts">): string | undefined {
  const counts = Object.entries(command.maskCounts ?? {}).filter(([, n]) => n > 0);
  if (counts.length === 0) return undefined;
  return `masked: ${counts.map(([entity, n]) => `${entity} ${n}`).join(", ")}`;
}

/** The first recorded rows of the (masked) result: `| a | b |` lines, then `… more`. */
export function sampleLines(
  command: Pick<SessionCommand, "resultSample">,
  limit: number,
): string[] {
  const sample = command.resultSample;
  if (sample == null || limit <= 0) return [];
  const lines: string[] = [];
  if (sample.copyLines !== undefined) {
    for (const line of sample.copyLines.slice(0, limit))
      lines.push(`> ${line.replace(/\t/g, " | ")}`);
    if (sample.copyLines.length > limit || sample.truncated) lines.push("> …");
    return lines;
  }
  if (sample.columns.length === 0) return [];
  lines.push(`> ${sample.columns.join(" | ")}`);
  for (const row of sample.rows.slice(0, limit)) lines.push(`> ${row.map(cellText).join(" | ")}`);
  if (sample.rows.length > limit || sample.truncated) lines.push("> …");
  return lines;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** The SQL on one line (whitespace runs collapsed) with its bound parameters, if any. */
export function commandLine(command: Pick<SessionCommand, "sql" | "params">): string {
  const sql = command.sql.replace(/\s+/g, " ").trim();
  const params = command.params ?? [];
  if (params.length === 0) return sql;
  return `${sql} -- ${params.map((value, i) => `$${i + 1}=${paramText(value)}`).join(", ")}`;
}

function paramText(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string") return `'${value.replace(/'/g, "''")}'`;
  if (typeof value === "object" && "hex" in value && typeof value.hex === "string") {
    return `'\\x${value.hex}'`;
  }
  return JSON.stringify(value);
}

function problemLine(command: SessionCommand): string | undefined {
  if (command.errorCode || command.errorMessage) {
    const code = command.errorCode ? `${command.errorCode}: ` : "";
    return `error ${code}${command.errorMessage ?? ""}`.trimEnd();
  }
  if (command.decision !== "deny" && command.decision !== "review") return undefined;
  const ids = command.ruleIds ?? [];
  const rules = ids.length === 0 ? "" : ` (rule${ids.length > 1 ? "s" : ""} ${ids.join(", ")})`;
  if (command.decision === "review" && command.reviewId) {
    return `held for review ${command.reviewId}${rules}`;
  }
  const verb = command.decision === "review" ? "needs approval" : "denied";
  const reasons = command.reasons?.length ? `: ${command.reasons.join("; ")}` : "";
  return rules === "" && reasons === "" ? undefined : `${verb}${rules}${reasons}`;
}

/** Cut to `room` characters with an ellipsis. */
function fit(text: string, room: number | undefined): string {
  if (room === undefined || text.length <= room) return text;
  return `${text.slice(0, room - 1)}…`;
}

function sessionDuration(s: Pick<Session, "startedAt" | "endedAt">, now: Date): string {
  const span = spanBetween(s.startedAt, s.endedAt, now);
  return span === undefined ? "-" : formatDuration(span);
}

function closeLabel(s: Session): string {
  if (!s.closeReason && !s.closeCode) return "-";
  if (!s.closeCode) return s.closeReason ?? "-";
  return s.closeReason ? `${s.closeReason} (${s.closeCode})` : s.closeCode;
}

/** `12:00:01.123` (UTC) from an ISO instant. */
function timeOfDay(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : new Date(time).toISOString().slice(11, 23);
}
