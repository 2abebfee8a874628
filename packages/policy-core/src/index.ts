/**
 * policy-core: pure decisions. Inputs in, a Decision out; no I/O and no clock reads
 * (the caller passes `now`). Deny by default. See docs/design/0003-policy.md.
 */
import type { Decision } from "./policy/decision";

export { STATEMENT_KINDS, RULE_STATEMENT_KINDS, type StatementKind } from "./sql/kinds";
export type { StatementFacts, SqlFacts } from "./sql/facts";
export { loadSqlParser } from "./sql/parser";
export { inspectSql, type InspectOptions } from "./sql/inspect";
export { resolvePreparedStatements } from "./sql/prepared";
export {
  ACTIONS,
  DAYS,
  DETECTORS,
  MASK_STRATEGIES,
  type DecisionAction,
  type PolicyDocument,
  type PolicyElevation,
  type PolicyRule,
  type RuleMatch,
  type MaskRule,
  type PolicyValidationError,
  type Subject,
  type ConnectionRef,
  type Day,
  type Detector,
  type MaskStrategy,
} from "./policy/types";
export { PolicyDocumentSchema } from "./policy/schema";
export { validatePolicy, type PolicyValidationResult } from "./policy/validate";
export type { Decision, EvaluationRequest, ReviewRequirement } from "./policy/decision";
export type { CopyFacts } from "./sql/facts";
export { evaluate } from "./policy/evaluate";
export { elevationRoles, type ElevationRole } from "./policy/elevation";
export { sessionMaskRules } from "./policy/session-masks";
export {
  DecisionCache,
  policySetVersion,
  MAX_CACHED_TEXT,
  type DecisionCacheStats,
} from "./cache/decision-cache";

/** The command shape the gateway used before policies existed (kept for decision.ts). */
export interface CommandRequest {
  protocol: "postgres" | "ssh" | "kubernetes";
  /** The command text as the client sent it. */
  command: string;
  connection: { name: string; tags: Record<string, string> };
  subject: { userId: string; groups: string[] };
}

/**
 * The decision made when no policy engine is configured: allow, recorded as such. Kept so
 * the gateway works until it decides with the stored policies; new code calls `evaluate`.
 */
export function evaluateWithoutPolicies(_request: CommandRequest, _now: Date): Decision {
  return {
    action: "allow",
    matchedRuleIds: [],
    reasons: ["no policy engine configured"],
    mask: [],
    facts: { statements: [], cacheable: false },
    cacheable: false,
  };
}
export { subjectMatches, resourceMatches } from "./policy/match";
export { policiesForSubject, approvableBy, type ApplicablePolicy } from "./policy/subject-view";
