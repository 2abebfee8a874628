import type { AuditEvent, Review, ReviewDetail, Vote } from "../http/approval-schemas";
import { renderDetails } from "../output/details";
import { shortDuration } from "../output/duration";
import { type Column, renderTable } from "../output/table";
import { orDash, sanitize } from "../output/text";
import { formatAge, formatRelative, formatTimestamp } from "../output/time";

/** How much of a held command's SQL fits in the WHAT column of `reviews list`. */
const WHAT_WIDTH = 48;

export function reviewTable(reviews: readonly Review[], now: Date): string {
  const columns: Column<Review>[] = [
    { header: "ID", value: (r) => r.id },
    { header: "KIND", value: (r) => r.kind },
    { header: "STATUS", value: (r) => r.status },
    { header: "REQUESTER", value: (r) => r.requester.name },
    { header: "CONNECTION", value: (r) => r.connection },
    { header: "WHAT", value: (r) => reviewWhat(r, WHAT_WIDTH) },
    { header: "APPROVALS", value: (r) => `${r.approvals}/${r.minApprovals}` },
    {
      header: "EXPIRES",
      value: (r) => (r.status === "pending" ? formatRelative(r.expiresAt, now) : "-"),
    },
  ];
  return renderTable(columns, reviews);
}

/**
 * What a review is about, on one line: the held command's SQL (whitespace runs collapsed,
 * cut to `max` characters), or `role dba-write for 1h`.
 */
export function reviewWhat(review: Review, max?: number): string {
  if (review.kind === "grant") return grantWhat(review);
  const sql = oneLine(review.sql ?? "");
  if (sql === "") return "-";
  return max !== undefined && sql.length > max ? `${sql.slice(0, max - 1)}…` : sql;
}

function grantWhat(review: Review): string {
  const role = review.grantRole ?? "?";
  const span = review.grantDurationSeconds;
  return span == null ? `role ${role}` : `role ${role} for ${shortDuration(span)}`;
}

/** `needs 1 approval from dba`, `needs 2 approvals from dba or sre`. */
export function needsLabel(review: Pick<Review, "minApprovals" | "approvers">): string {
  const n = review.minApprovals;
  const who = review.approvers.length === 0 ? "" : ` from ${review.approvers.join(" or ")}`;
  return `needs ${n} approval${n === 1 ? "" : "s"}${who}`;
}

/** `reviews show`: every field, then the SQL in full, the votes and the trail in time order. */
export function reviewDetails(review: ReviewDetail, now: Date): string {
  const sections = [renderDetails(detailPairs(review, now))];
  if (review.kind === "command") sections.push(`SQL:\n${indentedSql(review.sql ?? "")}`);
  sections.push(
    review.votes.length === 0 ? "Votes: none yet\n" : `Votes:\n${voteTable(review.votes, now)}`,
  );
  if (review.trail.length > 0) sections.push(`Trail:\n${trailTable(review.trail)}`);
  return sections.join("\n");
}

function detailPairs(r: ReviewDetail, now: Date): [string, string][] {
  const pairs: [string, string][] = [
    ["Review", r.id],
    ["Kind", r.kind === "grant" ? "grant (a request for elevation)" : r.kind],
    ["Status", statusLabel(r, now)],
    ["Requester", r.requester.name],
    ["Connection", r.connection],
  ];
  if (r.kind === "grant") {
    pairs.push(["Role", orDash(r.grantRole)]);
    pairs.push([
      "For",
      r.grantDurationSeconds == null ? "-" : shortDuration(r.grantDurationSeconds),
    ]);
    if (r.grantId) pairs.push(["Grant", r.grantId]);
  } else {
    const seq = r.commandSeq == null ? "" : ` (command ${r.commandSeq})`;
    pairs.push(["Session", r.sessionId ? `${r.sessionId}${seq}` : "-"]);
  }
  pairs.push(
    ["Rule", orDash(r.ruleId)],
    ["Approvers", approversLabel(r)],
    ["Approvals", `${r.approvals} of ${r.minApprovals}`],
    ["Justification", orDash(r.justification)],
    ["Created", formatTimestamp(r.createdAt, now)],
    ["Expires", formatTimestamp(r.expiresAt, now)],
    ["Decided", decidedLabel(r, now)],
  );
  if (r.kind === "command") {
    const where = r.executionSessionId ? ` in session ${r.executionSessionId}` : "";
    pairs.push(["Executed", r.executedAt ? `${formatTimestamp(r.executedAt, now)}${where}` : "-"]);
  }
  pairs.push(["You may vote", r.canVote === true ? "yes" : "no"]);
  return pairs;
}

function statusLabel(r: Review, now: Date): string {
  const glass = r.breakGlass === true ? ", break glass" : "";
  switch (r.status) {
    case "pending":
      return `pending: ${needsLabel(r)}, has ${r.approvals}; expires ${formatRelative(r.expiresAt, now)}`;
    case "rejected":
      return `rejected${r.decidedBy ? ` by ${r.decidedBy.name}` : ""}${r.decisionReason ? `: ${r.decisionReason}` : ""}`;
    default:
      return `${r.status}${glass}`;
  }
}

function approversLabel(r: Review): string {
  const groups = r.approvers.length === 0 ? "-" : r.approvers.join(", ");
  return r.breakGlassGroups.length === 0
    ? groups
    : `${groups} (break glass: ${r.breakGlassGroups.join(", ")})`;
}

function decidedLabel(r: Review, now: Date): string {
  if (!r.decidedAt) return "-";
  const by = r.decidedBy ? ` by ${r.decidedBy.name}` : "";
  const why = r.decisionReason ? `: ${r.decisionReason}` : "";
  return `${formatTimestamp(r.decidedAt, now)}${by}${why}`;
}

/** The SQL as sent, each line indented; control characters other than tabs escaped. */
function indentedSql(sql: string): string {
  if (sql === "") return "  -\n";
  return (
    sql
      .replace(/\r\n?/g, "\n")
      .replace(/\n+$/, "")
      .split("\n")
      .map((line) => `  ${sanitize(line.replace(/\t/g, "    "))}`.trimEnd())
      .join("\n") + "\n"
  );
}

function voteTable(votes: readonly Vote[], now: Date): string {
  const columns: Column<Vote>[] = [
    { header: "TIME", value: (v) => formatTimestamp(v.at, now) },
    { header: "VOTER", value: (v) => v.voter.name },
    {
      header: "VOTE",
      value: (v) => (v.breakGlass === true ? `${v.verdict} (break glass)` : v.verdict),
    },
    { header: "REASON", value: (v) => orDash(v.reason) },
  ];
  return renderTable(columns, byTime(votes));
}

function trailTable(events: readonly AuditEvent[]): string {
  const columns: Column<AuditEvent>[] = [
    { header: "TIME", value: (e) => utc(e.at) },
    { header: "EVENT", value: (e) => e.code },
    { header: "OUTCOME", value: (e) => e.outcome },
    { header: "ACTOR", value: (e) => orDash(e.actor) },
    { header: "DETAILS", value: (e) => orDash(dataLabel(e.data)) },
  ];
  return renderTable(columns, byTime(events));
}

/** `reason="…" breakGlass=true`: an event's fields on one line. */
export function dataLabel(data: Record<string, unknown> | null | undefined): string {
  return Object.entries(data ?? {})
    .filter(([, value]) => value !== null && value !== undefined)
    .map(
      ([key, value]) =>
        `${key}=${typeof value === "string" ? oneLine(value) : JSON.stringify(value)}`,
    )
    .join(" ");
}

/** Oldest first; equal times keep the server's order. */
function byTime<T extends { at: string }>(items: readonly T[]): T[] {
  return items
    .map((item, i) => ({ item, i, t: Date.parse(item.at) }))
    .sort((a, b) => (a.t === b.t || Number.isNaN(a.t - b.t) ? a.i - b.i : a.t - b.t))
    .map(({ item }) => item);
}

/** `2025-11-25 11:55:00.123 UTC`: the trail is read to the millisecond. */
function utc(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return new Date(time).toISOString().replace("T", " ").replace("Z", " UTC");
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** What `reviews approve` prints once the control plane has counted the vote. */
export function approveLine(review: Review): string {
  return `${sanitize(approveText(review))}\n`;
}

function approveText(review: Review): string {
  const count = `${review.approvals}/${review.minApprovals} approvals`;
  const glass = review.breakGlass === true ? " (break glass)" : "";
  switch (review.status) {
    case "pending": {
      const left = Math.max(0, review.minApprovals - review.approvals);
      return `recorded your approval: ${review.approvals} of ${review.minApprovals} (${review.id} waits for ${left} more)`;
    }
    case "approved":
      return review.kind === "grant"
        ? `approved${glass}: ${review.id} (${count}); ${grantOutcome(review)}`
        : `approved${glass}: ${review.id} (${count}); the command runs in ${review.requester.name}'s session`;
    case "executed":
      return `approved${glass}: ${review.id} (${count}); the command has run`;
    default:
      return `${review.id} is ${review.status}`;
  }
}

function grantOutcome(review: Review): string {
  const span =
    review.grantDurationSeconds == null ? "" : ` for ${shortDuration(review.grantDurationSeconds)}`;
  const grant = review.grantId ? ` (grant ${review.grantId})` : "";
  return `${review.requester.name} holds ${review.grantRole ?? "the role"} on ${review.connection}${span}${grant}`;
}

/** What `reviews reject` prints. */
export function rejectLine(review: Review): string {
  if (review.status !== "rejected") return `${sanitize(`${review.id} is ${review.status}`)}\n`;
  const what = `${review.requester.name}'s ${review.kind === "grant" ? "request" : "command"}`;
  const why = review.decisionReason ? `: ${review.decisionReason}` : "";
  return `${sanitize(`rejected: ${review.id} (${what})${why}`)}\n`;
}

/** `expired 3m ago`, `rejected by bob 1m ago: not now`: how a review that is over ended. */
export function outcomeLabel(review: Review, now: Date): string {
  const by = review.decidedBy ? ` by ${review.decidedBy.name}` : "";
  const when = review.decidedAt ? ` ${formatAge(review.decidedAt, now)}` : "";
  const why = review.decisionReason ? `: ${review.decisionReason}` : "";
  return `${review.status}${by}${when}${why}`;
}
