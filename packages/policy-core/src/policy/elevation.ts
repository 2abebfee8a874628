import type { ConnectionRef, PolicyDocument, Subject } from "./types";
import { resourceMatches, subjectMatches } from "./match";
import { parseDuration } from "./duration";

// Elevation policies (docs/design/0006-approvals.md, access grants): a policy with an
// `elevation` section is in force only for subjects holding its role. This file says which
// policies are in force for a request and which roles a subject may ask for.

const MINUTE_MS = 60 * 1000;
export const MIN_ELEVATION_DURATION_MS = MINUTE_MS;
export const MAX_ELEVATION_DURATION_MS = 7 * 24 * 60 * MINUTE_MS;
export const DEFAULT_ELEVATION_DURATION_MS = 8 * 60 * MINUTE_MS;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30 * MINUTE_MS;

/** A role a subject may request on a connection, aggregated over the policies naming it. */
export interface ElevationRole {
  role: string;
  /** Names of the elevation policies of the role that cover the subject and connection. */
  policies: string[];
  /** Union of the policies' approver groups. */
  approvers: string[];
  /** The largest `min_approvals` (default 1). */
  minApprovals: number;
  /** The smallest `max_duration` (default 8 h): the longest grant accepted. */
  maxDurationMs: number;
  /** The smallest `timeout` (default 30 min): how long the request waits for approval. */
  timeoutMs: number;
  /** Union of the policies' break-glass groups. */
  breakGlass: string[];
  /** Union of the policies' webhook names. */
  notify: string[];
}

/**
 * Whether a policy is in force for the subject on the connection: its subjects include the
 * subject and its resources the connection, and, for an elevation policy, the subject
 * holds its role.
 */
export function policyApplies(
  policy: PolicyDocument,
  subject: Subject,
  connection: ConnectionRef,
): boolean {
  if (
    policy.elevation !== undefined &&
    subject.elevations?.includes(policy.elevation.role) !== true
  ) {
    return false;
  }
  return subjectMatches(policy.subjects, subject) && resourceMatches(policy.resources, connection);
}

/**
 * The roles the subject may request on the connection: elevation policies whose subjects
 * include the subject (whatever elevations it holds now) and whose resources include the
 * connection, grouped by role, sorted by role. Pure; an unparseable duration in an
 * unvalidated document counts as the default, and durations are kept within 1 min..7 days.
 */
export function elevationRoles(
  policies: readonly PolicyDocument[],
  subject: Subject,
  connection: ConnectionRef,
): ElevationRole[] {
  const byRole = new Map<string, ElevationRole>();
  for (const policy of policies) {
    const e = policy.elevation;
    if (e === undefined) continue;
    if (!subjectMatches(policy.subjects, subject)) continue;
    if (!resourceMatches(policy.resources, connection)) continue;
    const maxDurationMs = clamp(durationOr(e.max_duration, DEFAULT_ELEVATION_DURATION_MS));
    const timeoutMs = durationOr(e.timeout, DEFAULT_REQUEST_TIMEOUT_MS);
    const seen = byRole.get(e.role);
    byRole.set(e.role, {
      role: e.role,
      policies: sortedUnion(seen?.policies, [policy.name]),
      approvers: sortedUnion(seen?.approvers, e.approvers),
      minApprovals: Math.max(seen?.minApprovals ?? 1, e.min_approvals ?? 1),
      maxDurationMs: Math.min(seen?.maxDurationMs ?? Infinity, maxDurationMs),
      timeoutMs: Math.min(seen?.timeoutMs ?? Infinity, timeoutMs),
      breakGlass: sortedUnion(seen?.breakGlass, e.break_glass ?? []),
      notify: sortedUnion(seen?.notify, e.notify ?? []),
    });
  }
  return [...byRole.values()].sort((a, b) => compare(a.role, b.role));
}

function durationOr(text: string | undefined, fallback: number): number {
  return (text === undefined ? undefined : parseDuration(text)) ?? fallback;
}

function clamp(ms: number): number {
  return Math.min(MAX_ELEVATION_DURATION_MS, Math.max(MIN_ELEVATION_DURATION_MS, ms));
}

function sortedUnion(a: readonly string[] | undefined, b: readonly string[]): string[] {
  return [...new Set([...(a ?? []), ...b])].sort(compare);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
