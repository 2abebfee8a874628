import { z } from "zod";
import { SessionCommandSchema, SessionSchema } from "./schemas";

/**
 * `GET /api/v1/sessions/:id/events`: a session's timeline (docs/design/0010-audit.md,
 * "Evidence and replay"). Every entry has `at`, `offsetMs` and `kind`; the page keeps each
 * entry whole (loose) so `-o json` passes on what a newer control plane adds, and the replay
 * reads each kind through its own schema below, showing an entry it cannot read generically.
 */
export const TimelineEntrySchema = z.looseObject({
  id: z.string().nullish(),
  at: z.string(),
  offsetMs: z.number(),
  kind: z.string(),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

export const TimelinePageSchema = z.object({
  items: z.array(TimelineEntrySchema),
  nextCursor: z.string().nullish(),
});
export type TimelinePage = z.infer<typeof TimelinePageSchema>;

const base = { id: z.string().nullish(), at: z.string(), offsetMs: z.number() };

export const SessionStartedEntrySchema = z.looseObject({
  ...base,
  kind: z.literal("session.started"),
  session: SessionSchema,
});
export type SessionStartedEntry = z.infer<typeof SessionStartedEntrySchema>;

export const SessionEventEntrySchema = z.looseObject({
  ...base,
  kind: z.literal("session.event"),
  seq: z.number().nullish(),
  event: z.string(),
  data: z.unknown(),
});
export type SessionEventEntry = z.infer<typeof SessionEventEntrySchema>;

export const CommandEntrySchema = SessionCommandSchema.extend({
  ...base,
  kind: z.literal("command"),
});
export type CommandEntry = z.infer<typeof CommandEntrySchema>;

export const ReviewEntrySchema = z.looseObject({
  ...base,
  kind: z.literal("review"),
  reviewId: z.string(),
  code: z.string().nullish(),
  event: z.string(),
  outcome: z.string().nullish(),
  actor: z.looseObject({ name: z.string(), kind: z.string().nullish() }).nullish(),
  commandSeq: z.number().nullish(),
  reason: z.string().nullish(),
  data: z.record(z.string(), z.unknown()).nullish(),
});
export type ReviewEntry = z.infer<typeof ReviewEntrySchema>;

export const SessionEndedEntrySchema = z.looseObject({
  ...base,
  kind: z.literal("session.ended"),
  status: z.string().nullish(),
  closeCode: z.string().nullish(),
  closeReason: z.string().nullish(),
  durationMs: z.number().nullish(),
});
export type SessionEndedEntry = z.infer<typeof SessionEndedEntrySchema>;

/** An entry read by its kind; `other` for a kind this CLI does not know or cannot read. */
export type KnownEntry =
  | SessionStartedEntry
  | SessionEventEntry
  | CommandEntry
  | ReviewEntry
  | SessionEndedEntry
  | (TimelineEntry & { kind: "other"; originalKind: string });

export function readEntry(entry: TimelineEntry): KnownEntry {
  const schema = {
    "session.started": SessionStartedEntrySchema,
    "session.event": SessionEventEntrySchema,
    command: CommandEntrySchema,
    review: ReviewEntrySchema,
    "session.ended": SessionEndedEntrySchema,
  }[entry.kind];
  const parsed = schema?.safeParse(entry);
  if (parsed?.success) return parsed.data;
  return { ...entry, kind: "other", originalKind: entry.kind };
}
