// The policies in force, as the decision point holds them in memory: rebuilt from the
// store whenever they change. Pure. A stored document that no longer validates (a newer
// policy-core is stricter) is not skipped: it is reported as broken, and decisions fail
// closed until it is applied again or deleted, because leaving out a policy that denies
// would silently weaken the rules.
import { type PolicyDocument, validatePolicy } from "@airlock/policy-core";
import type { SnapshotRow } from "./policy.repository";

export interface BrokenPolicy {
  name: string;
  version: number;
  problem: string;
}

export interface PolicySnapshot {
  /** Sum of every policy's current version: grows with every change (see the repository). */
  generation: number;
  /** The documents in force, by name. */
  policies: PolicyDocument[];
  names: string[];
  broken: BrokenPolicy[];
}

export function buildSnapshot(rows: readonly SnapshotRow[]): PolicySnapshot {
  const snapshot: PolicySnapshot = { generation: 0, policies: [], names: [], broken: [] };
  for (const row of [...rows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    snapshot.generation += Number(row.version);
    if (row.document === null || row.document === undefined) continue;
    const result = validatePolicy(row.document);
    if (result.ok) {
      snapshot.policies.push(result.policy);
      snapshot.names.push(row.name);
    } else {
      const first = result.errors[0];
      snapshot.broken.push({
        name: row.name,
        version: Number(row.version),
        problem: first === undefined ? "invalid" : `${first.path}: ${first.message}`,
      });
    }
  }
  return snapshot;
}

/** Why every decision is refused while a stored policy is broken. */
export function brokenReason(broken: readonly BrokenPolicy[]): string {
  const listed = broken.map((b) => `"${b.name}" (version ${b.version}: ${b.problem})`).join(", ");
  return (
    `stored polic${broken.length === 1 ? "y" : "ies"} ${listed} no longer validate${broken.length === 1 ? "s" : ""}, ` +
    "so no command is allowed; apply a corrected version (airlock policy apply) or delete it"
  );
}
