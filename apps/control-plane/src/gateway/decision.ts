// THE decision point of the data path: every command (each simple Query, each
// Execute of an extended batch, each FunctionCall, and the statements a batch
// prepares) passes through decide() before anything is recorded or forwarded.
// Issue 4 replaces the evaluation with real policies; this shape stays.
import { evaluateWithoutPolicies } from "@airlock/policy-core";

export interface CommandToDecide {
  /** Where the text came from: a Query, an Execute, a FunctionCall or a Parse. */
  kind: "simple" | "extended" | "function_call" | "parse";
  sql: string;
}

/** Who sends the command, and to which connection. */
export interface SessionFacts {
  userId: string;
  groups: string[];
  connection: { name: string; tags: Record<string, string> };
}

export interface CommandDecision {
  /** What the gateway does: forward or refuse. */
  action: "allow" | "deny";
  /** What is recorded: `review` cannot be held before approvals exist, so it is refused. */
  decision: "allow" | "deny" | "review";
  ruleIds: string[];
  reasons: string[];
}

export function decide(
  command: CommandToDecide,
  session: SessionFacts,
  now: Date = new Date(),
): CommandDecision {
  const result = evaluateWithoutPolicies(
    {
      protocol: "postgres",
      command: command.sql,
      connection: session.connection,
      subject: { userId: session.userId, groups: session.groups },
    },
    now,
  );
  switch (result.action) {
    case "allow":
      return {
        action: "allow",
        decision: "allow",
        ruleIds: result.matchedRuleIds,
        reasons: result.reasons,
      };
    case "deny":
      return {
        action: "deny",
        decision: "deny",
        ruleIds: result.matchedRuleIds,
        reasons: result.reasons,
      };
    case "review":
      // Fail closed: nothing can hold a command for approval yet.
      return {
        action: "deny",
        decision: "review",
        ruleIds: result.matchedRuleIds,
        reasons: [
          ...result.reasons,
          "this command needs an approval, which this gateway cannot hold yet",
        ],
      };
  }
}

/** The message a refused command gets (SQLSTATE 42501). */
export function refusalMessage(decision: CommandDecision): string {
  const reason = decision.reasons.join("; ");
  return reason === ""
    ? "Airlock policy denied this command"
    : `Airlock policy denied this command: ${reason}`;
}
