// Who may vote on a review and what a vote does: pure rules, evaluated inside the
// transaction that holds the review row locked (docs/design/0006-approvals.md).
//   - nobody votes on their own request;
//   - only members of the approver or break-glass groups vote, each person once;
//   - a reject is final; min_approvals distinct approvals release;
//   - a break-glass member approves alone with a reason (flagged);
//   - a reason is required to reject and to break glass.
import { Conflict, InvalidInput, PermissionDenied } from "../errors/domain-errors";

export type ReviewStatusValue =
  "pending" | "approved" | "rejected" | "expired" | "executed" | "cancelled";

export interface ReviewState {
  id: string;
  status: ReviewStatusValue;
  requesterId: string;
  approverGroups: readonly string[];
  breakGlassGroups: readonly string[];
  minApprovals: number;
  expiresAt: Date;
  /** Votes cast so far. */
  votes: readonly { voterId: string; verdict: "approve" | "reject" }[];
  /** Who made it final, for the Conflict message. */
  decidedByName: string | null;
}

export interface Voter {
  userId: string;
  name: string;
  groups: readonly string[];
}

export interface VoteRequest {
  verdict: "approve" | "reject";
  reason?: string | undefined;
  breakGlass?: boolean | undefined;
}

export type VoteOutcome =
  /** Recorded; the review still waits for more approvals. */
  | { kind: "recorded"; approvals: number; breakGlass: false }
  | { kind: "approved"; approvals: number; breakGlass: boolean }
  | { kind: "rejected"; approvals: number; breakGlass: false };

/** Whether `voter` may vote on `review` at all (for listing what waits for whom). */
export function mayVote(review: ReviewState, voter: Voter): boolean {
  if (review.status !== "pending" || review.requesterId === voter.userId) return false;
  if (review.votes.some((v) => v.voterId === voter.userId)) return false;
  return isApprover(review, voter) || isBreakGlass(review, voter);
}

/** Decides what the vote does, or throws the domain error that says why it cannot count. */
export function castVote(
  review: ReviewState,
  voter: Voter,
  request: VoteRequest,
  now: Date,
): VoteOutcome {
  if (review.status !== "pending" || review.expiresAt.getTime() <= now.getTime()) {
    const status = review.status === "pending" ? "expired" : review.status;
    const by = review.decidedByName === null ? "" : ` by ${review.decidedByName}`;
    throw new Conflict(
      `review ${review.id} is ${status}${status === "rejected" || status === "approved" || status === "executed" ? by : ""}; only pending reviews take votes`,
    );
  }
  if (review.requesterId === voter.userId) {
    throw new PermissionDenied(
      `you requested review ${review.id}, and nobody may approve or reject their own request`,
    );
  }
  const approver = isApprover(review, voter);
  const breakGlass = isBreakGlass(review, voter);
  if (!approver && !breakGlass) {
    throw new PermissionDenied(
      `review ${review.id} needs a member of ${describeGroups(review)}; you are in ${voter.groups.length === 0 ? "no group" : voter.groups.join(", ")}`,
    );
  }
  if (review.votes.some((v) => v.voterId === voter.userId)) {
    throw new Conflict(`you already voted on review ${review.id}; each person votes once`);
  }
  const reason = request.reason?.trim() ?? "";
  const approvals = review.votes.filter((v) => v.verdict === "approve").length;
  if (request.verdict === "reject") {
    if (reason === "") throw new InvalidInput("reason: a reject needs a reason", "reason");
    return { kind: "rejected", approvals, breakGlass: false };
  }
  if (request.breakGlass === true) {
    if (!breakGlass) {
      throw new PermissionDenied(
        `break-glass approval of review ${review.id} needs a member of ${review.breakGlassGroups.length === 0 ? "a break_glass group, and its rule names none" : review.breakGlassGroups.join(", ")}`,
      );
    }
    if (reason === "") {
      throw new InvalidInput("reason: a break-glass approval needs a reason", "reason");
    }
    return { kind: "approved", approvals: approvals + 1, breakGlass: true };
  }
  if (!approver) {
    throw new PermissionDenied(
      `you may approve review ${review.id} only with break glass (--break-glass and a reason); its approvers are ${review.approverGroups.join(", ")}`,
    );
  }
  const total = approvals + 1;
  if (total >= review.minApprovals)
    return { kind: "approved", approvals: total, breakGlass: false };
  return { kind: "recorded", approvals: total, breakGlass: false };
}

function isApprover(review: ReviewState, voter: Voter): boolean {
  return voter.groups.some((g) => review.approverGroups.includes(g));
}

function isBreakGlass(review: ReviewState, voter: Voter): boolean {
  return voter.groups.some((g) => review.breakGlassGroups.includes(g));
}

function describeGroups(review: ReviewState): string {
  const approvers = review.approverGroups.join(", ");
  return review.breakGlassGroups.length === 0
    ? approvers
    : `${approvers} (or break glass: ${review.breakGlassGroups.join(", ")})`;
}
