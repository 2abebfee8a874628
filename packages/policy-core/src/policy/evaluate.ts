import type { SqlFacts, StatementFacts } from "../sql/facts";
import { inspectSql } from "../sql/inspect";
import { normalizeSql } from "../sql/parser";
import { ASSUMED_SEARCH_PATH } from "../sql/names";
import type { Decision, EvaluationRequest, ReviewRequirement } from "./decision";
import type { DecisionAction, MaskRule, PolicyDocument, PolicyRule } from "./types";
import { ruleMatches, type MatchContext } from "./match";
import { parseDuration } from "./duration";
import { DEFAULT_REQUEST_TIMEOUT_MS, policyApplies } from "./elevation";

// Semantics (docs/design/0003-policy.md):
// - a policy applies when its subjects include the subject and its resources the connection
//   (an elevation policy also needs its role among the subject's elevations);
// - per statement, each applicable policy's first matching rule decides; a policy whose
//   rules do not match abstains; across policies the most restrictive outcome wins;
// - per statement, when an applicable elevation policy has a matching rule, the elevation
//   policies decide it and the ordinary ones are not consulted (their rules are not listed);
// - across the statements of one string, the most restrictive outcome wins;
// - no outcome at all → deny (by default); unparseable → deny with the parser's message.

const RANK: Readonly<Record<DecisionAction, number>> = { allow: 0, review: 1, deny: 2 };

interface Outcome {
  action: DecisionAction;
  policy: PolicyDocument;
  rule?: PolicyRule;
  reason: string;
}

/** Decide one command. Pure (`now` is passed in), deny by default, never throws. */
export function evaluate(
  policies: readonly PolicyDocument[],
  request: EvaluationRequest,
  now: Date,
): Decision {
  const facts =
    request.facts ??
    inspectSql(request.sql, {
      ...(request.searchPath === undefined ? {} : { searchPath: request.searchPath }),
      ...(request.standardConformingStrings === undefined
        ? {}
        : { standardConformingStrings: request.standardConformingStrings }),
    });
  try {
    return decide(policies, request, facts, now);
  } catch (error) {
    return {
      action: "deny",
      matchedRuleIds: [],
      reasons: [
        `policy evaluation failed (${error instanceof Error ? error.message : String(error)}); ` +
          "denied to fail closed — validate the policies with validatePolicy",
      ],
      mask: [],
      facts,
      cacheable: false,
    };
  }
}

function decide(
  policies: readonly PolicyDocument[],
  request: EvaluationRequest,
  facts: SqlFacts,
  now: Date,
): Decision {
  const { subject, connection } = request;
  const applicable = policies.filter((p) => policyApplies(p, subject, connection));
  if (applicable.length === 0) {
    const who =
      subject.groups.length > 0
        ? `"${subject.user}" (groups: ${subject.groups.join(", ")})`
        : `"${subject.user}"`;
    return deny(
      [`no policy gives ${who} access to connection "${connection.name}"; denied by default`],
      facts,
      facts.cacheable,
    );
  }
  const tiers: Tiers = {
    applicable,
    elevation: applicable.filter((p) => p.elevation !== undefined),
    ordinary: applicable.filter((p) => p.elevation === undefined),
  };
  if (facts.statements.length === 0) {
    return {
      action: "allow",
      matchedRuleIds: [],
      reasons: ["empty query"],
      mask: [],
      facts,
      cacheable: facts.cacheable,
    };
  }

  let consultedTime = false;
  const perStatement = facts.statements.map((stmt, index) => {
    const ctx: MatchContext = {
      subject,
      connection,
      searchPath: request.searchPath ?? ASSUMED_SEARCH_PATH,
      now,
      normalizedText: memo(() => normalizedText(stmt)),
      consultedTime: false,
    };
    const result = decideStatement(tiers, stmt, ctx, facts);
    consultedTime ||= ctx.consultedTime;
    const prefix = facts.statements.length > 1 ? `statement ${index + 1} (${stmt.kind}): ` : "";
    return { ...result, reasons: result.reasons.map((r) => prefix + r) };
  });

  const action = perStatement.reduce<DecisionAction>(
    (worst, s) => (RANK[s.action] > RANK[worst] ? s.action : worst),
    "allow",
  );
  const decisive = perStatement.filter((s) => s.action === action);
  const matchedRuleIds = unique(perStatement.flatMap((s) => s.outcomes.flatMap(ruleIdOf)));
  const reasons = unique(decisive.flatMap((s) => s.reasons));
  const reviewOutcome = decisive.flatMap((s) => s.outcomes).find((o) => o.action === "review");
  const review =
    action === "review" && reviewOutcome?.rule
      ? reviewOf(reviewOutcome.rule, reviewOutcome.policy)
      : undefined;
  const mask =
    action === "deny"
      ? []
      : masksOf(perStatement.flatMap((s) => s.outcomes).filter((o) => o.action !== "deny"));
  return {
    action,
    matchedRuleIds,
    reasons,
    ...(review === undefined ? {} : { review }),
    mask,
    facts,
    cacheable: facts.cacheable && !consultedTime,
  };
}

/** The applicable policies, and the same split into elevation and ordinary ones. */
interface Tiers {
  applicable: readonly PolicyDocument[];
  elevation: readonly PolicyDocument[];
  ordinary: readonly PolicyDocument[];
}

function decideStatement(
  tiers: Tiers,
  stmt: StatementFacts,
  ctx: MatchContext,
  facts: SqlFacts,
): { action: DecisionAction; outcomes: Outcome[]; reasons: string[] } {
  if (stmt.kind === "unparseable") {
    return {
      action: "deny",
      outcomes: [],
      reasons: [
        `the SQL could not be parsed, so it is denied (fail closed): ${facts.error ?? stmt.opaqueReason ?? "unknown error"}`,
      ],
    };
  }
  // Elevation policies first: where one of them matches, they decide the statement alone.
  const elevated = outcomesOf(tiers.elevation, stmt, ctx);
  const outcomes = elevated.length > 0 ? elevated : outcomesOf(tiers.ordinary, stmt, ctx);
  if (outcomes.length === 0) {
    const { applicable } = tiers;
    const names = applicable.map((p) => `"${p.name}"`).join(", ");
    const reason =
      stmt.opaque && stmt.opaqueReason !== undefined
        ? stmt.opaqueReason
        : `no rule of ${applicable.length > 1 ? "policies" : "policy"} ${names} matches this ${stmt.kind} statement on connection "${ctx.connection.name}"; denied by default`;
    return { action: "deny", outcomes, reasons: [reason] };
  }
  const action = outcomes.reduce<DecisionAction>(
    (worst, o) => (RANK[o.action] > RANK[worst] ? o.action : worst),
    "allow",
  );
  return {
    action,
    outcomes,
    reasons: outcomes.filter((o) => o.action === action).map((o) => o.reason),
  };
}

/** Each policy's first matching rule, in policy order; policies without one abstain. */
function outcomesOf(
  policies: readonly PolicyDocument[],
  stmt: StatementFacts,
  ctx: MatchContext,
): Outcome[] {
  const outcomes: Outcome[] = [];
  for (const policy of policies) {
    const rule = policy.rules.find((r) => ruleMatches(r, stmt, ctx));
    if (rule !== undefined) {
      outcomes.push({ action: rule.action, policy, rule, reason: reasonOf(rule, policy, stmt) });
    }
  }
  return outcomes;
}

function reasonOf(rule: PolicyRule, policy: PolicyDocument, stmt: StatementFacts): string {
  if (rule.message !== undefined && rule.message !== "") return rule.message;
  const verb = { allow: "allows", deny: "denies", review: "requires approval for" }[rule.action];
  const role = policy.elevation === undefined ? "" : ` (elevation "${policy.elevation.role}")`;
  return `rule "${rule.id}" of policy "${policy.name}"${role} ${verb} this ${stmt.kind} statement`;
}

function ruleIdOf(outcome: Outcome): string[] {
  return outcome.rule === undefined ? [] : [`${outcome.policy.name}/${outcome.rule.id}`];
}

function reviewOf(rule: PolicyRule, policy: PolicyDocument): ReviewRequirement {
  const r = rule.review;
  return {
    approvers: r?.approvers ?? [],
    minApprovals: r?.min_approvals ?? 1,
    timeoutMs:
      (r?.timeout === undefined ? undefined : parseDuration(r.timeout)) ??
      DEFAULT_REQUEST_TIMEOUT_MS,
    breakGlass: r?.break_glass ?? [],
    requireJustification: r?.require_justification ?? false,
    notify: r?.notify ?? [],
    ruleId: `${policy.name}/${rule.id}`,
  };
}

/** Mask rules of the policies behind the given outcomes, each policy once, in order. */
function masksOf(outcomes: Outcome[]): MaskRule[] {
  const policies = unique(outcomes.map((o) => o.policy));
  const seen = new Set<string>();
  const result: MaskRule[] = [];
  for (const p of policies) {
    for (const rule of p.mask ?? []) {
      const key = JSON.stringify(rule);
      if (seen.has(key)) continue;
      seen.add(key);
      result.push(rule);
    }
  }
  return result;
}

function deny(reasons: string[], facts: SqlFacts, cacheable: boolean): Decision {
  return { action: "deny", matchedRuleIds: [], reasons, mask: [], facts, cacheable };
}

function normalizedText(stmt: StatementFacts): string {
  try {
    return normalizeSql(stmt.text);
  } catch {
    return stmt.text;
  }
}

function memo<T>(compute: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: compute() }).v;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
