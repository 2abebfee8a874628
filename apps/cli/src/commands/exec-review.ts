import { UsageError } from "../errors";
import type { Review } from "../http/approval-schemas";
import { formatAge, formatRelative } from "../output/time";
import { needsLabel } from "../views/reviews";
import { quoted } from "./shared";

/**
 * `airlock exec <connection> --review <id>` runs exactly the text that was approved, once.
 * These checks refuse locally (exit 2) what the gateway would refuse anyway, with a message
 * that says why and what to do instead.
 */

/** --review runs the approved text: no other SQL may be given with it. */
export function checkReviewFlags(options: { command?: string; file?: string }): void {
  if (options.command !== undefined) {
    throw new UsageError("--review runs the approved text; drop -c");
  }
  if (options.file !== undefined) {
    throw new UsageError("--review runs the approved text; drop -f");
  }
}

/** The approved command's SQL, or a UsageError naming the review's state and the way on. */
export function runnableSql(review: Review, now: Date): string {
  const id = review.id;
  if (review.kind !== "command") {
    throw new UsageError(
      `${id} is a ${review.kind} review, not a held command; an approved grant applies to ` +
        `your sessions on ${quoted(review.connection)} by itself (see: airlock grants list)`,
    );
  }
  switch (review.status) {
    case "approved":
      break;
    case "pending":
      throw new UsageError(
        `${id} is still pending: it ${needsLabel(review)} and has ${review.approvals}, ` +
          `expires ${formatRelative(review.expiresAt, now)}; run it once it is approved ` +
          `(see: airlock reviews show ${id})`,
      );
    case "executed":
      throw new UsageError(
        `${id} has already run${review.executedAt ? ` (${formatAge(review.executedAt, now)})` : ""}; ` +
          "an approved command runs once",
      );
    case "rejected": {
      const by = review.decidedBy ? ` by ${review.decidedBy.name}` : "";
      const why = review.decisionReason ? `: ${review.decisionReason}` : "";
      throw new UsageError(`${id} was rejected${by}${why}; there is nothing to run`);
    }
    case "expired":
      throw new UsageError(
        `${id} expired without enough approvals; run the command again to ask anew`,
      );
    case "cancelled":
      throw new UsageError(`${id} was cancelled; run the command again to ask anew`);
    default:
      throw new UsageError(`${id} is ${review.status}; only an approved review can run`);
  }
  if (review.sql == null || review.sql === "") {
    throw new UsageError(`${id} holds no SQL to run; see: airlock reviews show ${id}`);
  }
  return review.sql;
}

/**
 * The review must be for this connection. `connectionArg` is what the user typed and
 * `connection` the name the control plane gave back for it (an id resolves to a name).
 */
export function checkReviewConnection(
  review: Review,
  connection: string,
  connectionArg: string,
): void {
  if (review.connection === connection || review.connection === connectionArg) return;
  throw new UsageError(
    `${review.id} is for connection ${quoted(review.connection)}, not ${quoted(connectionArg)}; ` +
      `run: airlock exec ${review.connection} --review ${review.id}`,
  );
}
