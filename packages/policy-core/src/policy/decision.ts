import type { SqlFacts } from "../sql/facts";
import type { DecisionAction, MaskRule, Subject, ConnectionRef } from "./types";

export interface EvaluationRequest {
  subject: Subject;
  connection: ConnectionRef;
  sql: string;
  /** The session's search path; unqualified names resolve against it. Default ["public"]. */
  searchPath?: string[];
  /** Facts computed earlier (e.g. a resolved EXECUTE); `sql` is then not parsed again. */
  facts?: SqlFacts;
  /** The server's standard_conforming_strings (ParameterStatus); default true. See inspectSql. */
  standardConformingStrings?: boolean;
}

export interface ReviewRequirement {
  approvers: string[];
  minApprovals: number;
  timeoutMs: number;
  breakGlass: string[];
  requireJustification: boolean;
  /** Webhook names to notify (the rule's `review.notify`); [] when none. */
  notify: string[];
  ruleId: string;
}

export interface Decision {
  action: DecisionAction;
  /** The rules that matched, as `policy-name/rule-id`, in evaluation order. */
  matchedRuleIds: string[];
  /** Human-readable reasons, safe to show to the user. */
  reasons: string[];
  /** Set when `action` is review: what the approval needs. */
  review?: ReviewRequirement;
  /** Mask rules of every applicable policy that allowed (or sent to review) the command. */
  mask: MaskRule[];
  facts: SqlFacts;
  /**
   * Whether the decision may be reused for another command with the same normalised text,
   * subject, connection and policy version (false when it depended on a literal or `now`).
   */
  cacheable?: boolean;
}
