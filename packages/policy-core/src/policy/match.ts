import type { StatementFacts } from "../sql/facts";
import { isUmbrella, umbrellasOf, type StatementKind } from "../sql/kinds";
import type { ConnectionRef, PolicyDocument, PolicyRule, Subject } from "./types";
import { globMatches, splitQualified } from "./glob";
import { inTimeWindow } from "./time-window";
import { compileRuleRegex } from "./regex";

// Whether a policy applies to a request, and whether a rule matches a statement.
//
// A rule's conditions are read so that its action is the safe one. For deny and review,
// a set condition holds when ANY of the statement's kinds / tables / functions matches.
// For allow, it holds only when ALL of them are covered (and there is at least one
// table or function): `allow statements: [select]` does not allow a SELECT whose CTE
// deletes, and `allow tables: [public.*]` does not allow a join with secret.keys.

/** Whether the policy's subjects include the request's subject. */
export function subjectMatches(subjects: PolicyDocument["subjects"], subject: Subject): boolean {
  if (subjects.groups?.some((g) => subject.groups.includes(g)) === true) return true;
  if (subject.kind === "service_account") {
    return subjects.service_accounts?.includes(subject.user) === true;
  }
  return subjects.users?.includes(subject.user) === true;
}

/** Whether the policy's resources include the connection (a name glob, or every tag equal). */
export function resourceMatches(
  resources: PolicyDocument["resources"],
  connection: ConnectionRef,
): boolean {
  if (resources.connections?.some((g) => globMatches(g, connection.name, false)) === true) {
    return true;
  }
  const tags = Object.entries(resources.tags ?? {});
  return tags.length > 0 && tags.every(([k, v]) => connection.tags[k] === v);
}

export interface MatchContext {
  subject: Subject;
  connection: ConnectionRef;
  searchPath: readonly string[];
  now: Date;
  /** The statement's normalised text, computed on first use (for regex rules). */
  normalizedText: () => string;
  /** Set when a time window was consulted (the decision then depends on `now`). */
  consultedTime: boolean;
}

export function ruleMatches(rule: PolicyRule, stmt: StatementFacts, ctx: MatchContext): boolean {
  const m = rule.match;
  const allow = rule.action === "allow";
  const sql = m.sql;
  // An opaque statement is allowed only by a rule that names its kind; deny and review
  // rules match it as they match anything (restricting them could only weaken policy).
  if (allow && stmt.opaque && sql?.statements === undefined) return false;
  if (m.subjects !== undefined) {
    const { groups, users } = m.subjects;
    const inGroup = groups?.some((g) => ctx.subject.groups.includes(g)) === true;
    if (!inGroup && users?.includes(ctx.subject.user) !== true) return false;
  }
  if (m.tags !== undefined) {
    if (!Object.entries(m.tags).every(([k, v]) => ctx.connection.tags[k] === v)) return false;
  }
  if (sql !== undefined) {
    if (sql.statements !== undefined && !statementsMatch(sql.statements, stmt.kinds, allow)) {
      return false;
    }
    if (sql.tables !== undefined && !tablesMatch(sql.tables, stmt, allow)) return false;
    if (sql.functions !== undefined && !functionsMatch(sql.functions, stmt, allow, ctx)) {
      return false;
    }
    if (sql.without_where !== undefined && stmt.withoutWhere !== sql.without_where) return false;
    if (sql.copy_program !== undefined && (stmt.copy?.program !== undefined) !== sql.copy_program) {
      return false;
    }
    if (sql.copy_file !== undefined && (stmt.copy?.file !== undefined) !== sql.copy_file) {
      return false;
    }
    if (sql.regex !== undefined && !compileRuleRegex(sql.regex).test(ctx.normalizedText())) {
      return false;
    }
  }
  if (m.time !== undefined) {
    ctx.consultedTime = true;
    if (!inTimeWindow(m.time, ctx.now)) return false;
  }
  return true;
}

function statementsMatch(
  named: readonly StatementKind[],
  kinds: readonly StatementKind[],
  allow: boolean,
): boolean {
  if (!allow) return kinds.some((k) => named.includes(k));
  const own = kinds.filter((k) => !isUmbrella(k));
  return (
    own.length > 0 &&
    own.every((k) => named.includes(k) || umbrellasOf(k).some((u) => named.includes(u)))
  );
}

function tablesMatch(globs: readonly string[], stmt: StatementFacts, allow: boolean): boolean {
  const relations = [...stmt.relationsRead, ...stmt.relationsWritten];
  const matches = (relation: string): boolean =>
    globs.some((glob) => tableGlobMatches(glob, relation, !allow));
  return allow ? relations.length > 0 && relations.every(matches) : relations.some(matches);
}

/**
 * A table glob against a relation fact. A glob without a dot matches the table name in
 * any schema. A fact `s.*` (DROP SCHEMA s, GRANT … ON ALL TABLES IN SCHEMA s) stands for
 * every relation of s: any glob on schema s matches it for deny; for allow only a glob
 * covering the whole schema does.
 */
function tableGlobMatches(glob: string, relation: string, deny: boolean): boolean {
  const g = splitQualified(glob);
  const r = splitQualified(relation);
  const schemaOk = g.schema === undefined || globMatches(g.schema, r.schema ?? "", deny);
  if (!schemaOk) return false;
  if (r.name === "*") return deny || g.name === "*";
  return globMatches(g.name, r.name, deny);
}

function functionsMatch(
  globs: readonly string[],
  stmt: StatementFacts,
  allow: boolean,
  ctx: MatchContext,
): boolean {
  const matches = (fn: string): boolean =>
    globs.some((glob) => functionGlobMatches(glob, fn, allow, ctx.searchPath));
  return allow
    ? stmt.functions.length > 0 && stmt.functions.every(matches)
    : stmt.functions.some(matches);
}

/**
 * A function glob against a function as written. An unqualified glob matches the name in
 * any schema. A qualified glob matches the same qualified name, and the unqualified name:
 * for deny in any case (it may resolve there), for allow only when the glob's schema is
 * pg_catalog or on the search path (where an unqualified call resolves).
 */
function functionGlobMatches(
  glob: string,
  fn: string,
  allow: boolean,
  searchPath: readonly string[],
): boolean {
  const g = splitQualified(glob.toLowerCase());
  const f = splitQualified(fn);
  if (!globMatches(g.name, f.name, true)) return false;
  if (g.schema === undefined) return true;
  if (f.schema !== undefined) return globMatches(g.schema, f.schema, true);
  if (!allow) return true;
  const gs = g.schema;
  return ["pg_catalog", ...searchPath].some((s) => globMatches(gs, s, true));
}
