// REST shapes of reviews and grants (docs/design/0006-approvals.md). Every field is named
// for what it identifies; renaming one is a breaking change for the CLI and for webhooks.
import { z } from "zod";
import { Name, NullableTimestamp, Timestamp } from "../validation/common.schemas";

export const REVIEW_ID_PATTERN = /^rv-[0-9a-z]{10}$/;
export const GRANT_ID_PATTERN = /^gr-[0-9a-z]{10}$/;

export const ReviewIdParam = z
  .string()
  .regex(REVIEW_ID_PATTERN, { error: "must be a review id such as rv-7k2m9x4qpa" });
export const GrantIdParam = z
  .string()
  .regex(GRANT_ID_PATTERN, { error: "must be a grant id such as gr-7k2m9x4qpa" });

export const REVIEW_STATUSES = [
  "pending",
  "approved",
  "rejected",
  "expired",
  "executed",
  "cancelled",
] as const;
export const GRANT_STATUSES = ["active", "expired", "revoked"] as const;

const Reason = z
  .string()
  .trim()
  .min(1, { error: "must not be empty" })
  .max(1000, { error: "must be at most 1000 characters" });

export const ApproveBody = z.strictObject({
  reason: Reason.optional(),
  /** A member of the rule's break_glass groups approves alone; a reason is then required. */
  breakGlass: z.boolean().optional(),
});
export type ApproveBody = z.output<typeof ApproveBody>;

export const RejectBody = z.strictObject({ reason: Reason });
export type RejectBody = z.output<typeof RejectBody>;

export const ReviewListQuery = z.strictObject({
  /** to-approve (default): pending reviews I may vote on; mine: my requests; all: admin/auditor. */
  scope: z.enum(["to-approve", "mine", "all"]).optional(),
  status: z.enum(REVIEW_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
export type ReviewListQuery = z.output<typeof ReviewListQuery>;

export const GrantRequestBody = z.strictObject({
  connection: Name,
  role: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, {
    error: "must be an elevation role name (letters, digits, '.', '_' or '-')",
  }),
  /** How long the elevation lasts once approved, at most the role's max_duration. */
  durationSeconds: z
    .int({ error: "must be a whole number of seconds from 5 to 604800 (7 days)" })
    .min(5, { error: "must be a whole number of seconds from 5 to 604800 (7 days)" })
    .max(604_800, { error: "must be a whole number of seconds from 5 to 604800 (7 days)" }),
  reason: Reason,
});
export type GrantRequestBody = z.output<typeof GrantRequestBody>;

export const GrantListQuery = z.strictObject({
  scope: z.enum(["mine", "all"]).optional(),
  status: z.enum(GRANT_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
export type GrantListQuery = z.output<typeof GrantListQuery>;

export const RevokeBody = z.strictObject({ reason: Reason });
export type RevokeBody = z.output<typeof RevokeBody>;

const Person = z.object({ id: z.uuid(), name: z.string() });

/** Who asked: a person or a service account (with the human who owns it). */
const Requester = Person.extend({
  kind: z.enum(["human", "service_account"]),
  owner: Person.nullable(),
});

export const VoteView = z.object({
  voter: Person,
  verdict: z.enum(["approve", "reject"]),
  reason: z.string().nullable(),
  breakGlass: z.boolean(),
  at: Timestamp,
});

export const AuditEventView = z.object({
  id: z.string(),
  code: z.string(),
  outcome: z.string(),
  at: Timestamp,
  actor: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type AuditEventView = z.output<typeof AuditEventView>;

export const ReviewView = z.object({
  id: z.string(),
  kind: z.enum(["command", "grant"]),
  status: z.enum(REVIEW_STATUSES),
  requester: Requester,
  connection: z.string(),
  /** kind = command: the held command. */
  sessionId: z.uuid().nullable(),
  commandSeq: z.int().nullable(),
  sql: z.string().nullable(),
  /** kind = grant: the role asked for and for how long. */
  grantRole: z.string().nullable(),
  grantDurationSeconds: z.int().nullable(),
  /** The rule (policy/rule) or elevation policy that asked for the review. */
  ruleId: z.string(),
  approvers: z.array(z.string()),
  breakGlassGroups: z.array(z.string()),
  minApprovals: z.int(),
  approvals: z.int(),
  justification: z.string().nullable(),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  decidedAt: NullableTimestamp,
  decidedBy: Person.nullable(),
  decisionReason: z.string().nullable(),
  breakGlass: z.boolean(),
  executedAt: NullableTimestamp,
  executionSessionId: z.uuid().nullable(),
  /** kind = grant, once approved. */
  grantId: z.string().nullable(),
  votes: z.array(VoteView),
  /** Whether the caller may vote on it now. */
  canVote: z.boolean(),
});
export type ReviewView = z.output<typeof ReviewView>;

export const ReviewDetail = ReviewView.extend({ trail: z.array(AuditEventView) });
export type ReviewDetail = z.output<typeof ReviewDetail>;

export const ReviewList = z.object({ items: z.array(ReviewView) });
export type ReviewList = z.output<typeof ReviewList>;

export const GrantView = z.object({
  id: z.string(),
  reviewId: z.string(),
  user: Person,
  connection: z.string(),
  role: z.string(),
  policies: z.array(z.string()),
  status: z.enum(GRANT_STATUSES),
  startsAt: Timestamp,
  expiresAt: Timestamp,
  endedAt: NullableTimestamp,
  revokedBy: Person.nullable(),
  revokeReason: z.string().nullable(),
});
export type GrantView = z.output<typeof GrantView>;

export const GrantList = z.object({ items: z.array(GrantView) });
export type GrantList = z.output<typeof GrantList>;
