// Builds the entries of a session's timeline (GET /api/v1/sessions/:id/events) from the rows
// one page names. Pure: the repository finds the keys and the rows, this turns them into the
// API shape in the keys' order.
import type { TimelineKey } from "./session-events-cursor";
import type { TimelineEntry } from "./session-events.schemas";
import { toCommandView, toSessionView } from "./session.view";
import {
  type ReviewAuditRecord,
  type SessionRecord,
  TIMELINE_RANKS,
  type TimelineRows,
} from "./sessions.repository";

export function timelineEntries(
  session: SessionRecord,
  keys: readonly TimelineKey[],
  rows: TimelineRows,
): TimelineEntry[] {
  const start = session.startedAt.getTime();
  const timing = (at: Date): { at: string; offsetMs: number } => ({
    at: at.toISOString(),
    offsetMs: at.getTime() - start,
  });
  const events = new Map(rows.events.map((e) => [BigInt(e.seq), e]));
  const commands = new Map(rows.commands.map((c) => [BigInt(c.seq), c]));
  const audits = new Map(rows.reviewEvents.map((a) => [a.id, a]));
  const seqOfReview = new Map<string, number>();
  for (const c of rows.reviewCommands) {
    if (!seqOfReview.has(c.reviewId)) seqOfReview.set(c.reviewId, c.seq);
  }

  const entries: TimelineEntry[] = [];
  for (const key of keys) {
    switch (key.rank) {
      case TIMELINE_RANKS["session.started"]:
        entries.push({
          id: "session.started",
          ...timing(session.startedAt),
          kind: "session.started",
          session: toSessionView(session),
        });
        break;
      case TIMELINE_RANKS["session.event"]: {
        const e = events.get(key.key);
        if (e === undefined) break;
        entries.push({
          id: `event-${e.seq}`,
          ...timing(e.at),
          kind: "session.event",
          seq: e.seq,
          event: e.kind,
          data: e.data ?? null,
        });
        break;
      }
      case TIMELINE_RANKS.command: {
        const c = commands.get(key.key);
        if (c === undefined) break;
        entries.push({
          id: `command-${c.seq}`,
          ...timing(c.receivedAt),
          kind: "command",
          ...toCommandView(c),
        });
        break;
      }
      case TIMELINE_RANKS.review: {
        const a = audits.get(key.key);
        if (a === undefined || a.reviewId === null) break;
        entries.push(reviewEntry(a, a.reviewId, session.id, seqOfReview, timing(a.at)));
        break;
      }
      case TIMELINE_RANKS["session.ended"]: {
        const ended = session.endedAt;
        if (ended === null) break;
        entries.push({
          id: "session.ended",
          ...timing(ended),
          kind: "session.ended",
          status: session.status,
          closeCode: session.closeCode,
          closeReason: session.closeReason,
          durationMs: ended.getTime() - start,
        });
        break;
      }
    }
  }
  return entries;
}

function reviewEntry(
  a: ReviewAuditRecord,
  reviewId: string,
  sessionId: string,
  seqOfReview: ReadonlyMap<string, number>,
  timing: { at: string; offsetMs: number },
): TimelineEntry {
  const data = isRecord(a.data) ? a.data : {};
  const recordedSeq = data["commandSeq"];
  const commandSeq =
    seqOfReview.get(reviewId) ??
    (a.sessionId === sessionId && Number.isInteger(recordedSeq) ? (recordedSeq as number) : null);
  const reason = data["reason"];
  return {
    id: `review-${a.id.toString()}`,
    ...timing,
    kind: "review",
    reviewId,
    code: a.code,
    event: a.code.startsWith("review.") ? a.code.slice("review.".length) : a.code,
    outcome: a.outcome,
    actor: a.actorName === null ? null : { name: a.actorName, kind: a.actorKind },
    commandSeq,
    reason: typeof reason === "string" ? reason : null,
    data,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
