// What a client is told when policy refuses its command: ErrorResponse 42501 whose message
// names the decisive rules and their reasons, and a hint saying what to do. A review is
// refused only when it cannot be held (a batch of several commands): it says so.
import type { CommandDecision, SessionFacts } from "./decision";

/** The ErrorResponse fields of a refused command (SQLSTATE 42501). */
export function refusalFields(
  decision: CommandDecision,
  session: SessionFacts,
): { message: string; hint: string } {
  const reasons = decision.reasons.join("; ");
  const ids = decision.decisiveRuleIds;
  const rules = ids.length === 0 ? "" : ` (rule${ids.length > 1 ? "s" : ""} ${ids.join(", ")})`;
  const check =
    `check a command with \`airlock policy test --as ${session.subject.user} ` +
    `--connection ${session.connection.name} -c "…"\``;
  if (decision.decision === "review" && decision.review !== undefined) {
    const approvers = decision.review.approvers.join(", ") || "an approver";
    return {
      message:
        `Airlock policy requires approval from ${approvers} for this command${rules}` +
        `${reasons === "" ? "" : `: ${reasons}`}; it was not run`,
      hint: `Nothing was run. Send it on its own to have it held for review; ${check}.`,
    };
  }
  return {
    message: `Airlock policy denied this command${rules}${reasons === "" ? "" : `: ${reasons}`}`,
    hint: `Nothing was run. An Airlock admin can change the policy; ${check}.`,
  };
}
