// The export API's query and answer (docs/design/0010-audit.md, "Export (pull)"). Query
// values arrive as strings; seqs stay strings on the way out so 64-bit values are exact.
import { z } from "zod";

export const EXPORT_FORMATS = ["ocsf", "cef", "jsonl"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const DEFAULT_EXPORT_LIMIT = 1000;
export const MAX_EXPORT_LIMIT = 5000;
/** The largest seq (Postgres bigint). */
export const MAX_SEQ = 9_223_372_036_854_775_807n;

const CURSOR_RULE =
  "must be a whole number from 0 to 9223372036854775807: the next_cursor of the previous page, or 0 to start at the beginning";
const LIMIT_RULE = `must be an integer from 1 to ${MAX_EXPORT_LIMIT}`;
const SINCE_RULE = "must be an ISO 8601 time with a time zone, e.g. 2026-12-01T00:00:00Z";

const Cursor = z
  .string()
  .regex(/^\d{1,19}$/, { error: CURSOR_RULE })
  .transform((v) => BigInt(v))
  .refine((v) => v <= MAX_SEQ, { error: CURSOR_RULE });

const Limit = z
  .string()
  .regex(/^\d{1,6}$/, { error: LIMIT_RULE })
  .transform(Number)
  .refine((n) => n >= 1 && n <= MAX_EXPORT_LIMIT, { error: LIMIT_RULE });

export const ExportQuery = z
  .strictObject({
    cursor: Cursor.optional()
      .transform((v) => v ?? 0n)
      .describe(
        "return the events with seq > cursor: the next_cursor of the previous page (default 0)",
      ),
    limit: Limit.optional()
      .transform((v) => v ?? DEFAULT_EXPORT_LIMIT)
      .describe(`events per page, 1 to ${MAX_EXPORT_LIMIT} (default ${DEFAULT_EXPORT_LIMIT})`),
    format: z
      .enum(EXPORT_FORMATS, {
        error: `must be one of ${EXPORT_FORMATS.map((f) => `"${f}"`).join(", ")}`,
      })
      .optional()
      .transform((v) => v ?? "ocsf")
      .describe(
        "ocsf (OCSF 1.8.0 JSON), jsonl (the events as stored) or cef (text/plain CEF lines); default ocsf",
      ),
    since: z.iso
      .datetime({ offset: true, error: SINCE_RULE })
      .transform((v) => new Date(v))
      .optional()
      .describe(
        "start at the first event at or after this time instead of at a cursor (then resume from next_cursor)",
      ),
  })
  .superRefine((q, ctx) => {
    if (q.since !== undefined && q.cursor !== 0n) {
      ctx.addIssue({
        code: "custom",
        path: ["since"],
        message: "give either cursor or since, not both",
      });
    }
  });
export type ExportQuery = z.output<typeof ExportQuery>;

export const ExportPage = z.object({
  /** OCSF events (format=ocsf) or the stored events (format=jsonl), in seq order. */
  events: z.array(z.record(z.string(), z.unknown())),
  /** The seq of the last event returned (unchanged when none): pass it as `cursor` next. */
  next_cursor: z.string(),
  /** More events were sealed after this page: ask again right away. */
  has_more: z.boolean(),
});
export type ExportPage = z.output<typeof ExportPage>;
