// GET /api/v1/sessions/:id/events (docs/design/0010-audit.md, "Evidence and replay"): one
// session's history as a timeline, in order. Every entry has `id` (stable), `at`, `offsetMs`
// (since the session started) and `kind`; the rest depends on the kind.
import { z } from "zod";
import { Timestamp, pageLimit, opaqueCursor } from "../validation/common.schemas";
import { decodeTimelineCursor } from "./session-events-cursor";
import { CommandView, SESSION_STATUSES, SessionView } from "./session.schemas";

export const DEFAULT_EVENTS_PAGE_SIZE = 200;
export const MAX_EVENTS_PAGE_SIZE = 1000;

const Limit = pageLimit(MAX_EVENTS_PAGE_SIZE);

const Cursor = opaqueCursor(decodeTimelineCursor);

export const SessionEventsQuery = z.strictObject({
  limit: Limit.optional()
    .transform((v) => v ?? DEFAULT_EVENTS_PAGE_SIZE)
    .describe(
      `entries per page, 1 to ${MAX_EVENTS_PAGE_SIZE} (default ${DEFAULT_EVENTS_PAGE_SIZE})`,
    ),
  cursor: Cursor.optional().describe("the nextCursor of the previous page"),
});
export type SessionEventsQuery = z.output<typeof SessionEventsQuery>;

const base = {
  /** Stable within the session: `session.started`, `command-<seq>`, `review-<n>`, … */
  id: z.string(),
  at: Timestamp,
  /** Milliseconds since the session started (negative for what happened before it). */
  offsetMs: z.number(),
};

export const SessionStartedEntry = z.object({
  ...base,
  kind: z.literal("session.started"),
  /** The session as it is now (user, connection, connector, client address, status…). */
  session: SessionView,
});

export const SessionEventEntry = z.object({
  ...base,
  kind: z.literal("session.event"),
  seq: z.int(),
  /** What the data path recorded (the session_events row's kind). */
  event: z.string(),
  data: z.unknown(),
});

/** One command: what was sent, the decision, the timing, the outcome and the masked sample. */
export const CommandEntry = CommandView.extend({ ...base, kind: z.literal("command") });

export const ReviewEntry = z.object({
  ...base,
  kind: z.literal("review"),
  reviewId: z.string(),
  /** The audit code: review.requested, review.vote, review.approved, review.rejected, … */
  code: z.string(),
  /** The code without `review.`: requested, vote, approved, rejected, expired, cancelled, executed. */
  event: z.string(),
  /** pending, approve, reject, approved, rejected, expired, cancelled, executed. */
  outcome: z.string(),
  /** Who did it; null for Airlock itself (expiry). */
  actor: z.object({ name: z.string(), kind: z.string().nullable() }).nullable(),
  /** The command of this session the review is about, when known. */
  commandSeq: z.int().nullable(),
  /** The voter's, decider's or system's reason, when there is one. */
  reason: z.string().nullable(),
  /** The audit event's details as recorded. */
  data: z.record(z.string(), z.unknown()),
});

export const SessionEndedEntry = z.object({
  ...base,
  kind: z.literal("session.ended"),
  status: z.enum(SESSION_STATUSES),
  closeCode: z.string().nullable(),
  closeReason: z.string().nullable(),
  durationMs: z.number(),
});

export const TimelineEntry = z.discriminatedUnion("kind", [
  SessionStartedEntry,
  SessionEventEntry,
  CommandEntry,
  ReviewEntry,
  SessionEndedEntry,
]);
export type TimelineEntry = z.output<typeof TimelineEntry>;
export type TimelineKind = TimelineEntry["kind"];

export const SessionEventsPage = z.object({
  items: z.array(TimelineEntry),
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type SessionEventsPage = z.output<typeof SessionEventsPage>;
