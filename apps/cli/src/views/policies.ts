import type {
  ApplyResult,
  PolicySummary,
  PolicyVersion,
  Simulation,
  StatementFacts,
} from "../http/schemas";
import { formatDuration } from "../output/duration";
import { type Column, renderTable } from "../output/table";
import { orDash, sanitize } from "../output/text";
import { formatAge, formatTimestamp } from "../output/time";
import { tagsLabel } from "./connections";

export function policyTable(policies: readonly PolicySummary[], now: Date): string {
  const columns: Column<PolicySummary>[] = [
    { header: "NAME", value: (p) => p.name },
    { header: "VERSION", value: (p) => String(p.currentVersion) },
    { header: "RULES", value: (p) => (p.ruleCount == null ? "-" : String(p.ruleCount)) },
    { header: "SUBJECTS", value: (p) => orDash(subjectsLabel(p.subjects)) },
    { header: "RESOURCES", value: (p) => orDash(resourcesLabel(p.resources)) },
    { header: "UPDATED", value: (p) => formatAge(p.updatedAt, now) },
    { header: "AUTHOR", value: (p) => orDash(p.author?.name) },
  ];
  return renderTable(columns, policies);
}

export function versionTable(versions: readonly PolicyVersion[], now: Date): string {
  const columns: Column<PolicyVersion>[] = [
    { header: "VERSION", value: (v) => String(v.version) },
    { header: "CREATED", value: (v) => formatTimestamp(v.createdAt, now) },
    { header: "AUTHOR", value: (v) => orDash(v.author?.name) },
    {
      header: "CHANGE",
      value: (v) => (v.deleted === true ? "deleted" : `applied (${v.sourceFormat ?? "?"})`),
    },
    { header: "RULES", value: (v) => (v.ruleCount == null ? "-" : String(v.ruleCount)) },
    { header: "COMMENT", value: (v) => orDash(v.comment) },
  ];
  return renderTable(columns, versions);
}

/** `policy prod-engineers version 2`, or `… unchanged (version 1)`. */
export function applyLine(result: ApplyResult): string {
  const verb = result.dryRun === true ? " (dry run)" : "";
  return result.changed
    ? `policy ${result.name} version ${result.version}${verb}\n`
    : `policy ${result.name} unchanged (version ${result.version})${verb}\n`;
}

const SUBJECT_KEYS = ["groups", "users", "service_accounts"];

/** `groups=engineers,dba users=alice`: who a policy is for (the store keeps no key order). */
export function subjectsLabel(subjects: Record<string, unknown> | null | undefined): string {
  const order = (key: string): number => {
    const known = SUBJECT_KEYS.indexOf(key);
    return known === -1 ? SUBJECT_KEYS.length : known;
  };
  return Object.entries(subjects ?? {})
    .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
    .filter(([, value]) => Array.isArray(value) && value.length > 0)
    .map(([key, value]) => `${key}=${(value as unknown[]).map(String).join(",")}`)
    .join(" ");
}

/** `connections=pg-* tags=env=prod`: which connections a policy covers. */
export function resourcesLabel(resources: Record<string, unknown> | null | undefined): string {
  const parts: string[] = [];
  const connections = resources?.["connections"];
  if (Array.isArray(connections) && connections.length > 0) {
    parts.push(`connections=${connections.map(String).join(",")}`);
  }
  const tags = resources?.["tags"];
  if (typeof tags === "object" && tags !== null && Object.keys(tags).length > 0) {
    parts.push(`tags=${tagsLabel(tags as Record<string, string>, ",")}`);
  }
  return parts.join(" ");
}

/** `airlock policy test`: the decision, why, then what each statement does. */
export function simulationReport(s: Simulation): string {
  const { decision } = s;
  const pairs: Array<readonly [string, string]> = [
    ["Decision", decision.action.toUpperCase()],
    ["Matched rules", orDash(decision.matchedRuleIds.join(", "))],
  ];
  decision.reasons.forEach((reason, i) => pairs.push([i === 0 ? "Reasons" : "", reason]));
  if (decision.reasons.length === 0) pairs.push(["Reasons", "-"]);
  if (decision.review != null) pairs.push(["Review", reviewLabel(decision.review)]);
  if (decision.mask.length > 0) pairs.push(["Masking", decision.mask.map(maskLabel).join("; ")]);
  pairs.push(["Subject", subjectLabel(s)]);
  if (s.connection != null) {
    const tags = tagsLabel(s.connection.tags, ", ");
    pairs.push(["Connection", tags === "" ? s.connection.name : `${s.connection.name} (${tags})`]);
  }
  pairs.push(["Policies", orDash(s.policies.join(", "))]);
  const header = details(pairs);
  const statements = s.facts?.statements ?? [];
  const error = s.facts?.error ? `Parse error: ${sanitize(s.facts.error)}\n` : "";
  if (statements.length === 0) return `${header}${error}`;
  return `${header}\n${statementTable(statements)}${error}`;
}

export function statementTable(statements: readonly StatementFacts[]): string {
  const list = (values: readonly string[] | null | undefined): string =>
    orDash((values ?? []).join(","));
  const columns: Column<{ n: number; f: StatementFacts }>[] = [
    { header: "#", value: (r) => String(r.n) },
    { header: "KIND", value: (r) => kindLabel(r.f) },
    { header: "READS", value: (r) => list(r.f.relationsRead) },
    { header: "WRITES", value: (r) => list(r.f.relationsWritten) },
    { header: "FUNCTIONS", value: (r) => list(r.f.functions) },
    { header: "WITHOUT WHERE", value: (r) => (r.f.withoutWhere === true ? "yes" : "no") },
  ];
  return renderTable(
    columns,
    statements.map((f, i) => ({ n: i + 1, f })),
  );
}

function kindLabel(f: StatementFacts): string {
  const others = (f.kinds ?? []).filter((k) => k !== f.kind);
  const kind = others.length > 0 ? `${f.kind} (${others.join(",")})` : f.kind;
  return f.opaque === true ? `${kind} [opaque]` : kind;
}

function subjectLabel(s: Simulation): string {
  const user = s.subject?.user ? s.subject.user : "(any user)";
  const kind = s.subject?.kind ? ` (${s.subject.kind})` : "";
  const groups = s.subject?.groups?.length ? s.subject.groups.join(", ") : "none";
  return `${user}${kind}, groups: ${groups}`;
}

function reviewLabel(review: NonNullable<Simulation["decision"]["review"]>): string {
  const approvers = orDash(review.approvers?.join(", "));
  const count = review.minApprovals ?? 1;
  const timeout =
    review.timeoutMs == null ? "" : `, times out after ${timeoutLabel(review.timeoutMs)}`;
  return `${count} approval${count === 1 ? "" : "s"} from ${approvers}${timeout}`;
}

/** `30m`, `1h`, `1h 30m`, `45s`: a review timeout as written in policies. */
function timeoutLabel(ms: number): string {
  if (ms % 60_000 !== 0) return formatDuration(ms);
  const minutes = ms / 60_000;
  const hours = Math.floor(minutes / 60);
  if (hours === 0) return `${minutes}m`;
  return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
}

function maskLabel(rule: unknown): string {
  if (typeof rule !== "object" || rule === null) return String(rule);
  const r = rule as { columns?: unknown; detect?: unknown; strategy?: unknown };
  const what = [
    Array.isArray(r.columns) ? r.columns.map(String).join(",") : "",
    Array.isArray(r.detect) ? `detect ${r.detect.map(String).join(",")}` : "",
  ]
    .filter((p) => p !== "")
    .join(" ");
  return `${what} → ${typeof r.strategy === "string" ? r.strategy : "?"}`;
}

/** Label/value lines like renderDetails, where an empty label continues the line above. */
function details(pairs: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(0, ...pairs.map(([label]) => label.length + 1));
  return (
    pairs
      .map(
        ([label, value]) =>
          `${(label === "" ? "" : `${label}:`).padEnd(width)}  ${sanitize(value)}`,
      )
      .join("\n") + "\n"
  );
}
