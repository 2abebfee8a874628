/**
 * policy-core: pure decisions. Inputs in, a Decision out; no I/O and no clock
 * reads (the caller passes `now`). The full policy model and the SQL inspector
 * arrive with issue 4; until then every command is allowed through the one
 * decision point, so that code path and its recording already exist.
 */

export type DecisionAction = "allow" | "deny" | "review";

export interface Decision {
  action: DecisionAction;
  /** Ids of the rules that matched, in evaluation order. */
  matchedRuleIds: string[];
  /** Human-readable reasons, safe to show to the user. */
  reasons: string[];
}

export interface CommandRequest {
  protocol: "postgres" | "ssh" | "kubernetes";
  /** The command text as the client sent it. */
  command: string;
  connection: { name: string; tags: Record<string, string> };
  subject: { userId: string; groups: string[] };
}

/** The decision made when no policy engine is configured yet: allow, recorded as such. */
export function evaluateWithoutPolicies(_request: CommandRequest, _now: Date): Decision {
  return {
    action: "allow",
    matchedRuleIds: [],
    reasons: ["no policy engine configured (issue 4)"],
  };
}
