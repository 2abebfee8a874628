import { InvalidArgumentError } from "commander";
import { UsageError } from "../errors";
import { GRANT_ID_PATTERN, REVIEW_ID_PATTERN } from "../http/approval-schemas";
import { parseDuration } from "./time-flags";

/** The control plane's bounds (approval.schemas.ts): reasons are 1 to 1000 characters. */
const MAX_REASON = 1000;
/** `--for`: from 1 minute to 7 days; the role's `max_duration` may cap it further. */
const MIN_GRANT_SECONDS = 60;
const MAX_GRANT_SECONDS = 604_800;

/** Why a reason is being asked for, as the end of "--reason is required …". */
export type ReasonUse =
  "to reject a review" | "to break glass" | "to request a grant" | "to revoke a grant";

const WHY: Readonly<Record<ReasonUse, string>> = {
  "to reject a review": "say why; the requester sees it and the audit trail keeps it",
  "to break glass":
    "say why the usual approvers cannot decide; the vote is flagged in the audit trail",
  "to request a grant": "say what you need the access for; the approvers see it",
  "to revoke a grant": "say why; the holder sees it and the audit trail keeps it",
};

/** A reason the control plane requires: checked here, so nothing is sent without one. */
export function requireReason(value: string | undefined, use: ReasonUse): string {
  const reason = value?.trim() ?? "";
  if (reason === "") throw new UsageError(`--reason is required ${use}: ${WHY[use]}`);
  return checkLength(reason);
}

/** An optional reason (`approve --reason`, `exec --reason`): absent is fine, empty is not. */
export function optionalReason(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const reason = value.trim();
  if (reason === "") throw new UsageError("--reason is empty; give a reason, or leave it out");
  return checkLength(reason);
}

function checkLength(reason: string): string {
  if (reason.length > MAX_REASON) {
    throw new UsageError(
      `--reason is ${reason.length} characters long; keep it to ${MAX_REASON} at most`,
    );
  }
  return reason;
}

/** commander parser for a review id argument: `rv-7k2m9x4qpa`. */
export function parseReviewId(value: string): string {
  const id = value.trim();
  if (!REVIEW_ID_PATTERN.test(id)) {
    throw new InvalidArgumentError("expected a review id such as rv-7k2m9x4qpa.");
  }
  return id;
}

/** commander parser for a grant id argument: `gr-7k2m9x4qpa`. */
export function parseGrantId(value: string): string {
  const id = value.trim();
  if (!GRANT_ID_PATTERN.test(id)) {
    throw new InvalidArgumentError("expected a grant id such as gr-7k2m9x4qpa.");
  }
  return id;
}

/** commander parser for `--for`: `30m`, `1h`, `1h30m`, `2d` → whole seconds, 1m to 7d. */
export function parseGrantDuration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) {
    throw new InvalidArgumentError("expected a duration like 30m, 1h, 1h30m or 2d.");
  }
  const seconds = Math.round(ms / 1000);
  if (seconds < MIN_GRANT_SECONDS) throw new InvalidArgumentError("expected at least 1m.");
  if (seconds > MAX_GRANT_SECONDS) throw new InvalidArgumentError("expected at most 7d.");
  return seconds;
}
