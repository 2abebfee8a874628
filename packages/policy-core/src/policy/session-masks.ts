import type { ConnectionRef, MaskRule, PolicyDocument, Subject } from "./types";
import { policyApplies } from "./elevation";

/**
 * The mask rules of a session: every `mask:` rule of every policy that applies to the
 * subject (with its elevations) on the connection, each distinct rule once, in policy
 * order. Masking follows who reads from where, not which rule allowed a command
 * (docs/design/0007-masking.md): the union is the fail-closed choice.
 */
export function sessionMaskRules(
  policies: readonly PolicyDocument[],
  subject: Subject,
  connection: ConnectionRef,
): MaskRule[] {
  const seen = new Set<string>();
  const rules: MaskRule[] = [];
  for (const policy of policies) {
    if (!policyApplies(policy, subject, connection)) continue;
    for (const rule of policy.mask ?? []) {
      const key = JSON.stringify([rule.columns ?? [], rule.detect ?? [], rule.strategy]);
      if (seen.has(key)) continue;
      seen.add(key);
      rules.push(rule);
    }
  }
  return rules;
}
