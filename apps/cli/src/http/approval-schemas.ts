import { z } from "zod";

/**
 * Reviews and grants as the approvals API returns them (docs/design/0006-approvals.md,
 * control plane `approvals/approval.schemas.ts`). Loose objects like the rest of the CLI's
 * schemas: `--output json` passes on fields a newer control plane adds, and kinds and
 * statuses are plain strings so that a new one is shown rather than refused.
 */
const timestamp = z.string();
const optionalTimestamp = z.string().nullish();

export const REVIEW_STATUSES = [
  "pending",
  "approved",
  "rejected",
  "expired",
  "executed",
  "cancelled",
] as const;
export const GRANT_STATUSES = ["active", "expired", "revoked"] as const;

/** `rv-` + 10 base32 characters: typeable, and what the gateway's notice carries. */
export const REVIEW_ID_PATTERN = /^rv-[0-9a-z]{10}$/;
export const GRANT_ID_PATTERN = /^gr-[0-9a-z]{10}$/;

const PersonSchema = z.looseObject({ id: z.string().nullish(), name: z.string() });
export type Person = z.infer<typeof PersonSchema>;

export const VoteSchema = z.looseObject({
  voter: PersonSchema,
  verdict: z.string(),
  reason: z.string().nullish(),
  breakGlass: z.boolean().nullish(),
  at: timestamp,
});
export type Vote = z.infer<typeof VoteSchema>;

export const AuditEventSchema = z.looseObject({
  id: z.string(),
  code: z.string(),
  outcome: z.string(),
  at: timestamp,
  actor: z.string().nullish(),
  data: z.record(z.string(), z.unknown()).nullish(),
});
export type AuditEvent = z.infer<typeof AuditEventSchema>;

export const ReviewSchema = z.looseObject({
  id: z.string(),
  /** `command` (a held command) or `grant` (a request for elevation). */
  kind: z.string(),
  status: z.string(),
  requester: PersonSchema,
  connection: z.string(),
  sessionId: z.string().nullish(),
  commandSeq: z.number().nullish(),
  sql: z.string().nullish(),
  grantRole: z.string().nullish(),
  grantDurationSeconds: z.number().nullish(),
  ruleId: z.string().nullish(),
  approvers: z.array(z.string()).default([]),
  breakGlassGroups: z.array(z.string()).default([]),
  minApprovals: z.number(),
  approvals: z.number(),
  justification: z.string().nullish(),
  createdAt: timestamp,
  expiresAt: timestamp,
  decidedAt: optionalTimestamp,
  decidedBy: PersonSchema.nullish(),
  decisionReason: z.string().nullish(),
  breakGlass: z.boolean().nullish(),
  executedAt: optionalTimestamp,
  executionSessionId: z.string().nullish(),
  grantId: z.string().nullish(),
  votes: z.array(VoteSchema).default([]),
  canVote: z.boolean().nullish(),
});
export type Review = z.infer<typeof ReviewSchema>;

/** GET /reviews/:id: the review with its audit trail. */
export const ReviewDetailSchema = ReviewSchema.extend({
  trail: z.array(AuditEventSchema).default([]),
});
export type ReviewDetail = z.infer<typeof ReviewDetailSchema>;

export const ReviewListSchema = z.object({ items: z.array(ReviewSchema) });

export const GrantSchema = z.looseObject({
  id: z.string(),
  reviewId: z.string().nullish(),
  user: PersonSchema,
  connection: z.string(),
  role: z.string(),
  policies: z.array(z.string()).default([]),
  status: z.string(),
  startsAt: timestamp,
  expiresAt: timestamp,
  endedAt: optionalTimestamp,
  revokedBy: PersonSchema.nullish(),
  revokeReason: z.string().nullish(),
});
export type Grant = z.infer<typeof GrantSchema>;

export const GrantListSchema = z.object({ items: z.array(GrantSchema) });

/** Query of GET /reviews: `to-approve` (the server's default), `mine` or `all`. */
export interface ReviewQuery {
  scope?: "to-approve" | "mine" | "all";
  status?: string;
}

export interface GrantQuery {
  scope?: "mine" | "all";
  status?: string;
}

/** Body of POST /grants/requests. */
export interface GrantRequestInput {
  connection: string;
  role: string;
  durationSeconds: number;
  reason: string;
}
