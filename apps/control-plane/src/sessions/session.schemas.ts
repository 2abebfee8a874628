// Request and response shapes of the sessions API (docs/design/0002-postgres-path.md,
// "Sessions API"). Query values arrive as strings; the schemas turn them into typed values.
import { z } from "zod";
import { ReviewView } from "../approvals/approval.schemas";
import {
  Name,
  NullableTimestamp,
  Timestamp,
  Uuid,
  pageLimit,
  opaqueCursor,
} from "../validation/common.schemas";
import { decodeCursor } from "./session-cursor";

export const SESSION_STATUSES = ["opening", "active", "closed", "failed"] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

const TIMESTAMP_RULE = "must be an ISO 8601 timestamp with a time zone, e.g. 2026-01-31T12:00:00Z";

const QueryTimestamp = z.iso
  .datetime({ offset: true, error: TIMESTAMP_RULE })
  .transform((value) => new Date(value));

const Limit = pageLimit(MAX_PAGE_SIZE);

const Cursor = opaqueCursor(decodeCursor);

export const SessionListQuery = z
  .strictObject({
    user: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe("only sessions of the user with this name"),
    connection: Name.optional().describe(
      "only sessions of the connection with this name (its current name, or the name it had when the session started)",
    ),
    status: z
      .enum(SESSION_STATUSES, {
        error: `must be one of ${SESSION_STATUSES.map((s) => `"${s}"`).join(", ")}`,
      })
      .optional()
      .describe("only sessions in this status"),
    from: QueryTimestamp.optional().describe("only sessions started at or after this time"),
    to: QueryTimestamp.optional().describe("only sessions started before this time"),
    limit: Limit.optional()
      .transform((v) => v ?? DEFAULT_PAGE_SIZE)
      .describe(`page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`),
    cursor: Cursor.optional().describe("the nextCursor of the previous page"),
  })
  .superRefine((query, ctx) => {
    if (query.from !== undefined && query.to !== undefined && query.to <= query.from) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "must be later than from" });
    }
  });
export type SessionListQuery = z.output<typeof SessionListQuery>;

export const SessionIdParam = Uuid;

export const SessionView = z.object({
  id: z.uuid(),
  user: z.object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(["human", "service_account"]),
    /** A service account's owner: the human accountable for what the agent did. */
    owner: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  }),
  /** `id` is null once the connection is deleted; `name` is the one it had when the session started. */
  connection: z.object({ id: z.uuid().nullable(), name: z.string() }),
  /** null once the connector is deleted. */
  connector: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  protocol: z.string(),
  clientAddress: z.string().nullable(),
  status: z.enum(SESSION_STATUSES),
  startedAt: Timestamp,
  endedAt: NullableTimestamp,
  closeCode: z.string().nullable(),
  closeReason: z.string().nullable(),
  commandCount: z.int(),
});
export type SessionView = z.output<typeof SessionView>;

export const CommandView = z.object({
  seq: z.int(),
  protocol: z.string(),
  sql: z.string(),
  /** Bound values (extended protocol): strings, or {"hex": …} for binary values. */
  params: z.unknown(),
  decision: z.enum(["allow", "deny", "review"]),
  ruleIds: z.array(z.string()),
  reasons: z.array(z.string()),
  status: z.enum([
    "pending",
    "ok",
    "error",
    "blocked",
    "skipped",
    "interrupted",
    "held",
    "rejected",
    "expired",
    "cancelled",
  ]),
  receivedAt: Timestamp,
  completedAt: NullableTimestamp,
  durationMs: z.number().nullable(),
  rowCount: z.number().nullable(),
  commandTag: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  copyDirection: z.string().nullable(),
  copyBytes: z.number().nullable(),
  /** The review that held this command (or that `exec --review` ran). */
  reviewId: z.string().nullable(),
  /** Values the connector masked in the result, per entity ("EMAIL", "COLUMN", …). */
  maskCounts: z.record(z.string(), z.number()).nullable(),
  /** The first rows of the result as the client got them (masked), up to the recording cap. */
  resultSample: z
    .object({
      columns: z.array(z.string()),
      rows: z.array(z.array(z.unknown())),
      copyLines: z.array(z.string()).optional(),
      truncated: z.boolean(),
    })
    .nullable(),
});
export type CommandView = z.output<typeof CommandView>;

export const SessionDetail = SessionView.extend({
  commands: z.array(CommandView),
  /** Reviews of this session's commands: the approval trail. */
  reviews: z.array(ReviewView),
});
export type SessionDetail = z.output<typeof SessionDetail>;

export const SessionList = z.object({
  items: z.array(SessionView),
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type SessionList = z.output<typeof SessionList>;
