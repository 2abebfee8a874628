// What the policies say about one subject, for people rather than for a command: which
// policies apply to them (optionally on one connection), and which review rules and
// elevation roles they may approve. Used by whoami and the group-mapping tester.
import { resourceMatches, subjectMatches } from "./match";
import type { ConnectionRef, PolicyDocument, Subject } from "./types";

export interface ApplicablePolicy {
  name: string;
  /** Present when the policy is an elevation policy: it applies only while the role is granted. */
  elevationRole?: string;
}

/** Policies whose subjects include the subject (and whose resources include the connection). */
export function policiesForSubject(
  policies: readonly PolicyDocument[],
  subject: Subject,
  connection?: ConnectionRef,
): ApplicablePolicy[] {
  return policies
    .filter((p) => subjectMatches(p.subjects, subject))
    .filter((p) => connection === undefined || resourceMatches(p.resources, connection))
    .map((p) =>
      p.elevation === undefined
        ? { name: p.name }
        : { name: p.name, elevationRole: p.elevation.role },
    );
}

/**
 * What members of `groups` may approve: `policy/rule-id` for review rules, and
 * `policy (role <role>)` for elevation requests; break-glass groups count too.
 */
export function approvableBy(
  policies: readonly PolicyDocument[],
  groups: readonly string[],
): string[] {
  const mine = (list: readonly string[] | undefined): boolean =>
    list?.some((g) => groups.includes(g)) === true;
  const refs: string[] = [];
  for (const policy of policies) {
    for (const rule of policy.rules) {
      if (
        rule.action === "review" &&
        (mine(rule.review?.approvers) || mine(rule.review?.break_glass))
      )
        refs.push(`${policy.name}/${rule.id}`);
    }
    const elevation = policy.elevation;
    if (elevation !== undefined && (mine(elevation.approvers) || mine(elevation.break_glass)))
      refs.push(`${policy.name} (role ${elevation.role})`);
  }
  return refs;
}
