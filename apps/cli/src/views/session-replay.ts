import {
  type CommandEntry,
  type KnownEntry,
  type ReviewEntry,
  type SessionEndedEntry,
  type SessionStartedEntry,
  type TimelineEntry,
  readEntry,
} from "../http/session-event-schemas";
import { renderDetails } from "../output/details";
import { formatDuration, formatMillis } from "../output/duration";
import { formatServerError } from "../output/sql-messages";
import { renderResultsTable } from "../output/sql-results";
import { orDash, sanitize } from "../output/text";
import { maskedLine } from "./sessions";

/**
 * `airlock sessions replay`: a session's timeline printed like a terminal recording. A header
 * from `session.started`; each command as `[+1.234s] alice> select …`, its decision (ALLOW,
 * DENY rule: reason, HELD for review rv-…), then what the client got: the masked result sample
 * as a psql table, the command tag or the error, and `Time:`; each review step as it happened
 * (requested, votes, approved by …, executed); the end with its reason. A held command's
 * outcome is printed once its review is decided, where it happened in the session.
 *
 * Stateful (the user's name for the prompt, held outcomes): one renderer per replay.
 */
export class ReplayRenderer {
  private user = "?";
  /** Outcomes of commands held for review, by review id, printed when the review is decided. */
  private readonly held = new Map<string, string>();

  render(raw: TimelineEntry): string {
    const entry = readEntry(raw);
    switch (entry.kind) {
      case "session.started":
        return this.started(entry);
      case "session.event":
        return `${stamp(entry.offsetMs)} event ${sanitize(entry.event)}${dataText(entry.data)}\n`;
      case "command":
        return this.command(entry);
      case "review":
        return this.review(entry);
      case "session.ended":
        return this.flush() + ended(entry);
      case "other":
        return `${stamp(entry.offsetMs)} ${sanitize(entry.originalKind)}${dataText(withoutBase(entry))}\n`;
    }
  }

  /** Whatever is still owed (outcomes of held commands whose decision the replay did not show). */
  finish(): string {
    return this.flush();
  }

  private started(entry: SessionStartedEntry): string {
    const s = entry.session;
    this.user = s.user.name;
    const connector = s.connector?.name ? ` via ${s.connector.name}` : "";
    const header = renderDetails([
      ["Session", `${s.id} (${s.protocol}, ${s.status})`],
      ["User", s.user.kind ? `${s.user.name} (${s.user.kind})` : s.user.name],
      ["Connection", `${orDash(s.connection?.name)}${connector}`],
      ["Client", orDash(s.clientAddress)],
      ["Started", utc(s.startedAt)],
    ]);
    return `${header}\n${stamp(entry.offsetMs)} session started\n`;
  }

  private command(c: CommandEntry): string {
    const prompt = `${stamp(c.offsetMs)} ${sanitize(this.user)}> `;
    const indent = " ".repeat(prompt.length);
    const sqlLines = c.sql
      .replace(/\r\n?/g, "\n")
      .replace(/\t/g, "  ")
      .split("\n")
      .map((line) => sanitize(line).trimEnd());
    while (sqlLines.length > 1 && sqlLines.at(-1) === "") sqlLines.pop();
    let text = sqlLines.map((line, i) => (i === 0 ? prompt : indent) + line).join("\n") + "\n";
    const params = c.params ?? [];
    if (params.length > 0) {
      text += `${indent}-- ${params.map((v, i) => `$${i + 1}=${paramText(v)}`).join(", ")}\n`;
    }
    text += decisionLine(c);
    const outcome = outcomeText(c);
    if (c.reviewId && outcome !== "") {
      this.held.set(c.reviewId, (this.held.get(c.reviewId) ?? "") + outcome);
      return text;
    }
    return text + outcome;
  }

  private review(r: ReviewEntry): string {
    const line = `${stamp(r.offsetMs)} review ${sanitize(r.reviewId)}: ${reviewText(r)}\n`;
    if (!FINAL_REVIEW_EVENTS.has(r.event)) return line;
    const owed = this.held.get(r.reviewId);
    if (owed === undefined) return line;
    this.held.delete(r.reviewId);
    return line + owed;
  }

  private flush(): string {
    const owed = [...this.held.values()].join("");
    this.held.clear();
    return owed;
  }
}

const FINAL_REVIEW_EVENTS = new Set(["executed", "rejected", "expired", "cancelled"]);

/** `[+1.234s]`, `[+2:03.456]`, `[+1:02:03.456]`; negative before the session started. */
export function stamp(offsetMs: number): string {
  const sign = offsetMs < 0 ? "-" : "+";
  const ms = Math.round(Math.abs(offsetMs));
  const seconds = Math.floor(ms / 1000);
  const frac = String(ms % 1000).padStart(3, "0");
  if (seconds < 60) return `[${sign}${seconds}.${frac}s]`;
  const s = String(seconds % 60).padStart(2, "0");
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `[${sign}${minutes}:${s}.${frac}]`;
  const m = String(minutes % 60).padStart(2, "0");
  return `[${sign}${Math.floor(minutes / 60)}:${m}:${s}.${frac}]`;
}

/** ALLOW / DENY rule: reason / HELD for review rv-… (rule …) / REVIEW … not held. */
function decisionLine(c: CommandEntry): string {
  const rules = (c.ruleIds ?? []).join(", ");
  const reasons = (c.reasons ?? []).join("; ");
  const ruled = (word: string): string =>
    `${word}${rules ? ` ${rules}` : ""}${reasons ? `: ${reasons}` : ""}`;
  switch (c.decision) {
    case "allow":
      // The reason of an allow only restates the rule.
      return `${sanitize(rules ? `ALLOW ${rules}` : "ALLOW")}\n`;
    case "deny":
      return `${sanitize(ruled("DENY"))}\n`;
    case "review":
      if (c.reviewId) {
        return sanitize(`HELD for review ${c.reviewId}${rules ? ` (rule ${rules})` : ""}`) + "\n";
      }
      return `${sanitize(ruled("REVIEW"))}\n`;
    default:
      return `${sanitize(ruled(c.decision.toUpperCase()))}\n`;
  }
}

/** What the client got: the masked sample (a psql table), the tag or the error, and the time. */
function outcomeText(c: CommandEntry): string {
  let text = "";
  const sample = c.resultSample;
  if (c.errorCode || c.errorMessage) {
    text += formatServerError({ code: c.errorCode ?? undefined, message: c.errorMessage ?? "" });
  } else if (sample?.copyLines !== undefined) {
    text += sample.copyLines.map((line) => `${sanitize(line)}\n`).join("");
    if (sample.truncated) text += "…\n";
    if (c.commandTag) text += `${sanitize(c.commandTag)}\n`;
  } else if (sample != null && sample.columns.length > 0) {
    text += sampleTable(c, sample);
  } else if (c.commandTag) {
    text += `${sanitize(c.commandTag)}\n`;
  } else if (c.status !== "ok" && !(c.decision === "deny" && c.status === "blocked")) {
    // A denied command was never run: its DENY line says so.
    text += `(${notRun(c.status)})\n`;
  }
  const masked = maskedLine(c);
  if (masked !== undefined) text += `${sanitize(masked)}\n`;
  if (c.durationMs != null) text += `Time: ${formatMillis(c.durationMs)}\n`;
  return text;
}

function sampleTable(
  c: CommandEntry,
  sample: { columns: string[]; rows: unknown[][]; truncated: boolean },
): string {
  const tag = c.commandTag ?? "";
  const table = renderResultsTable([
    {
      command: tag.split(" ")[0] ?? "",
      commandTag: tag,
      rowCount: c.rowCount ?? null,
      fields: sample.columns.map((name) => ({ name, dataTypeID: 0 })),
      rows: sample.rows,
    },
  ]);
  // psql's `(N rows)` counts what the client got; the sample may hold only the first rows.
  const lines = table.trimEnd().split("\n");
  lines.pop();
  const shown = sample.rows.length;
  const total = c.rowCount ?? shown;
  const count = `${total} ${total === 1 ? "row" : "rows"}`;
  const footer =
    shown < total || sample.truncated ? `(${count}; first ${shown} recorded)` : `(${count})`;
  return [...lines, footer].join("\n") + "\n";
}

function notRun(status: string): string {
  switch (status) {
    case "pending":
      return "no result recorded";
    case "interrupted":
      return "interrupted: the session ended before the result";
    case "held":
      return "still held for review";
    default:
      return `not run: ${status}`;
  }
}

function reviewText(r: ReviewEntry): string {
  const who = r.actor?.name ?? "airlock";
  const reason = r.reason ? `: ${r.reason}` : "";
  const data = r.data ?? {};
  switch (r.event) {
    case "requested": {
      const rule = typeof data["ruleId"] === "string" ? ` (rule ${data["ruleId"]})` : "";
      const min = typeof data["minApprovals"] === "number" ? data["minApprovals"] : undefined;
      const approvers = Array.isArray(data["approvers"]) ? data["approvers"].join(", ") : "";
      const need =
        min === undefined
          ? ""
          : `, needs ${min} approval${min === 1 ? "" : "s"}${approvers ? ` from ${approvers}` : ""}`;
      const why = typeof data["justification"] === "string" ? `: ${data["justification"]}` : "";
      return sanitize(`requested by ${who}${rule}${need}${why}`);
    }
    case "vote": {
      const glass = data["breakGlass"] === true ? " (break glass)" : "";
      return sanitize(`${who} votes ${r.outcome ?? "?"}${glass}${reason}`);
    }
    case "approved":
    case "rejected":
      return sanitize(
        `→ ${r.event} by ${who}${data["breakGlass"] === true ? " (break glass)" : ""}${reason}`,
      );
    case "expired":
      return sanitize(`→ expired${reason}`);
    case "cancelled":
      return sanitize(`→ cancelled by ${who}${reason}`);
    case "executed":
      return "→ executed";
    default:
      return sanitize(`${r.event} by ${who}${reason}`);
  }
}

function ended(e: SessionEndedEntry): string {
  const why = e.closeReason ?? e.closeCode ?? e.status ?? "ended";
  const code = e.closeReason && e.closeCode ? ` (${e.closeCode})` : "";
  const after = e.durationMs == null ? "" : `, after ${formatDuration(e.durationMs)}`;
  return `${stamp(e.offsetMs)} session ended: ${sanitize(`${why}${code}`)}${after}\n`;
}

function paramText(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string") return sanitize(`'${value.replace(/'/g, "''")}'`);
  if (typeof value === "object" && "hex" in value && typeof value.hex === "string") {
    return sanitize(`'\\x${value.hex}'`);
  }
  return sanitize(JSON.stringify(value));
}

function dataText(data: unknown): string {
  if (data === null || data === undefined) return "";
  if (typeof data === "object" && Object.keys(data).length === 0) return "";
  return ` ${sanitize(JSON.stringify(data))}`;
}

function withoutBase(entry: KnownEntry): Record<string, unknown> {
  const {
    id: _id,
    at: _at,
    offsetMs: _offset,
    kind: _kind,
    originalKind: _o,
    ...rest
  } = entry as Record<string, unknown>;
  return rest;
}

/** `2025-11-25 11:55:00.000 UTC`. */
function utc(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time)
    ? iso
    : new Date(time).toISOString().replace("T", " ").replace("Z", " UTC");
}
