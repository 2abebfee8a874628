import type { CopyFacts } from "./facts";
import type { StatementKind } from "./kinds";
import { DML_KINDS } from "./classify";
import { DEFAULT_SEARCH_PATH, relationCandidates, splitIdentifierList } from "./names";

// Walks one statement's parse tree (libpg_query JSON) and collects the facts policy needs.
// Typed struct fields (a RangeVar in `relation`, a bare SelectStmt in `larg`) appear
// unwrapped; Node fields and list items appear wrapped as `{ Type: body }`. The walk
// visits every field, so facts are found wherever they hide; specific node types only
// decide WHERE a name goes (read or written) and which CTE names are in scope.

type Body = Record<string, unknown>;

/** Thrown when a tree is nested deeper than we inspect; the statement is then denied. */
export class NestingTooDeepError extends Error {
  constructor(readonly limit: number) {
    super(`the statement is nested too deeply to inspect (limit ${limit} levels)`);
  }
}

export const MAX_DEPTH = 1000;

interface Context {
  /** CTE names visible here: an unqualified reference to one is not a relation. */
  scope: ReadonlySet<string>;
  /** Inside a field whose relations are written (a DML or DDL target). */
  write: boolean;
}

/** Fields whose relations are written, per node type. */
const WRITE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  InsertStmt: ["relation"],
  UpdateStmt: ["relation"],
  DeleteStmt: ["relation"],
  MergeStmt: ["relation"],
  TruncateStmt: ["relations"],
  SelectStmt: ["intoClause"],
  CreateTableAsStmt: ["into"],
  CreateStmt: ["relation"],
  CreateForeignTableStmt: ["base"],
  AlterTableStmt: ["relation"],
  IndexStmt: ["relation"],
  RuleStmt: ["relation"],
  CreateTrigStmt: ["relation"],
  CreatePolicyStmt: ["table"],
  AlterPolicyStmt: ["table"],
  RenameStmt: ["relation"],
  ViewStmt: ["view"],
  CreateSeqStmt: ["sequence"],
  AlterSeqStmt: ["sequence"],
  VacuumStmt: ["rels"],
  ClusterStmt: ["relation"],
  ReindexStmt: ["relation"],
  RefreshMatViewStmt: ["relation"],
  AlterObjectSchemaStmt: ["relation"],
  AlterOwnerStmt: ["relation"],
  GrantStmt: ["objects"],
};

const TABLE_LIKE = new Set([
  "OBJECT_TABLE",
  "OBJECT_VIEW",
  "OBJECT_MATVIEW",
  "OBJECT_FOREIGN_TABLE",
  "OBJECT_SEQUENCE",
  "OBJECT_INDEX",
]);

/**
 * Functions that run SQL, or read a relation, named in a string argument: what they do
 * is invisible in the parse tree.
 */
const RUNS_SQL_TEXT = new Set([
  "query_to_xml",
  "query_to_xmlschema",
  "query_to_xml_and_xmlschema",
  "table_to_xml",
  "table_to_xmlschema",
  "table_to_xml_and_xmlschema",
  "schema_to_xml",
  "schema_to_xmlschema",
  "schema_to_xml_and_xmlschema",
  "database_to_xml",
  "database_to_xmlschema",
  "database_to_xml_and_xmlschema",
  "ts_stat",
  "crosstab",
  "crosstab2",
  "crosstab3",
  "crosstab4",
  "connectby",
  "dblink",
  "dblink_exec",
  "dblink_open",
  "dblink_send_query",
]);

const FALSE_WORDS = new Set(["false", "off", "no", "0"]);

export class Collector {
  readonly read = new Set<string>();
  readonly written = new Set<string>();
  readonly functions = new Set<string>();
  /** Kinds of data-modifying statements found anywhere in the tree. */
  readonly nestedKinds = new Set<StatementKind>();
  readonly opaqueReasons: string[] = [];
  withoutWhere = false;
  copy: CopyFacts | undefined;
  setSearchPath: string[] | undefined;
  /** A fact was read from a literal value, which the normalised text does not carry. */
  literalDependent = false;

  /**
   * @param planOnly plain EXPLAIN: nothing runs, so targets count as read, and nested
   *   writes, missing WHEREs and settings do not count.
   */
  constructor(
    private readonly searchPath: readonly string[],
    private readonly planOnly = false,
  ) {}

  /** Visit a wrapped node `{ Type: body }` (a statement). */
  visitStatement(node: unknown): void {
    this.visit(node, { scope: new Set(), write: false }, 0);
  }

  private opaque(reason: string): void {
    if (!this.opaqueReasons.includes(reason)) this.opaqueReasons.push(reason);
  }

  private visit(value: unknown, ctx: Context, depth: number): void {
    if (depth > MAX_DEPTH) throw new NestingTooDeepError(MAX_DEPTH);
    if (Array.isArray(value)) {
      for (const item of value) this.visit(item, ctx, depth + 1);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const body = value as Body;
    const keys = Object.keys(body);
    const first = keys[0];
    if (keys.length === 1 && first !== undefined && /^[A-Z]/.test(first)) {
      const inner = body[first];
      if (inner !== null && typeof inner === "object") {
        this.visitNode(first, inner as Body, ctx, depth + 1);
      }
      return;
    }
    this.visitBody(undefined, body, ctx, depth);
  }

  private visitNode(type: string, body: Body, ctx: Context, depth: number): void {
    switch (type) {
      case "RangeVar":
        this.addRelation(body, ctx);
        return;
      case "FuncCall":
        this.funcCall(body, ctx, depth);
        return;
      case "InsertStmt":
      case "UpdateStmt":
      case "DeleteStmt":
      case "MergeStmt":
        this.dml(type, body, ctx, depth);
        return;
      case "CopyStmt":
        this.copyStmt(body, ctx, depth);
        return;
      case "DoStmt":
        this.opaque("DO blocks are opaque to policy; allow them explicitly with statements: [do]");
        return;
      case "ExecuteStmt":
        this.opaque(
          `EXECUTE ${str(body.name)} runs a prepared statement policy has not seen; ` +
            "allow it explicitly with statements: [execute]",
        );
        break;
      case "CreateFunctionStmt":
        this.opaque(
          `${body.is_procedure === true ? "CREATE PROCEDURE" : "CREATE FUNCTION"} bodies are ` +
            "opaque to policy; allow them explicitly with statements: [create] (or [ddl])",
        );
        break;
      case "RuleStmt":
        this.opaque(
          "CREATE RULE actions run later, inside other statements, and are opaque to policy; " +
            "allow them explicitly with statements: [create] (or [ddl])",
        );
        break;
      case "CreateTrigStmt":
      case "CreateEventTrigStmt":
        this.addFunction(body.funcname);
        this.opaque(
          "triggers run their function later, inside other statements, and are opaque to " +
            "policy; allow them explicitly with statements: [create] (or [ddl])",
        );
        break;
      case "CallStmt":
        if (isObject(body.funccall)) this.funcCall(body.funccall, ctx, depth);
        return;
      case "VariableSetStmt":
        this.variableSet(body);
        break;
      case "DiscardStmt":
        if (body.target === "DISCARD_ALL") this.setSearchPath = [...DEFAULT_SEARCH_PATH];
        return;
      case "DropStmt":
        this.namedObjects(str(body.removeType), body.objects, "drop");
        return;
      case "CommentStmt":
      case "SecLabelStmt":
        this.namedObjects(str(body.objtype), [body.object], "single");
        return;
      case "RenameStmt":
        if (body.renameType === "OBJECT_SCHEMA") this.addWritten([`${str(body.subname)}.*`]);
        break;
      case "GrantStmt":
        if (body.targtype === "ACL_TARGET_ALL_IN_SCHEMA") {
          this.namedObjects("OBJECT_SCHEMA", body.objects, "drop");
          return;
        }
        if (!TABLE_LIKE.has(str(body.objtype))) return;
        break;
      default:
        break;
    }
    this.visitBody(type, body, ctx, depth);
  }

  private visitBody(type: string | undefined, body: Body, ctx: Context, depth: number): void {
    if (typeof body.relname === "string") {
      this.addRelation(body, ctx);
      return;
    }
    let inner = ctx;
    if (isObject(body.withClause)) {
      inner = { scope: this.withScope(body.withClause, ctx, depth), write: ctx.write };
    }
    const writeFields = type === undefined ? undefined : WRITE_FIELDS[type];
    for (const key of Object.keys(body)) {
      if (key === "withClause" || key === "location") continue;
      const value = body[key];
      if (value === null || typeof value !== "object") continue;
      const write = writeFields?.includes(key) === true;
      this.visit(value, write ? { scope: inner.scope, write: true } : inner, depth + 1);
    }
  }

  /** Visit CTE bodies with Postgres's scoping; return the scope of the main query. */
  private withScope(withClause: Body, ctx: Context, depth: number): ReadonlySet<string> {
    const ctes = Array.isArray(withClause.ctes) ? withClause.ctes : [];
    const entries = ctes
      .map((cte) => (isObject(cte) && isObject(cte.CommonTableExpr) ? cte.CommonTableExpr : {}))
      .map((cte) => ({ name: str(cte.ctename), query: cte.ctequery }));
    if (withClause.recursive === true) {
      const scope = new Set([...ctx.scope, ...entries.map((e) => e.name)]);
      for (const e of entries) this.visit(e.query, { scope, write: false }, depth + 1);
      return scope;
    }
    // Non-recursive: each CTE sees only the ones before it; `WITH t AS (SELECT * FROM t)`
    // reads the real table t.
    let scope: ReadonlySet<string> = ctx.scope;
    for (const e of entries) {
      this.visit(e.query, { scope, write: false }, depth + 1);
      scope = new Set([...scope, e.name]);
    }
    return scope;
  }

  private addRelation(rangeVar: Body, ctx: Context): void {
    const name = str(rangeVar.relname);
    const schema = typeof rangeVar.schemaname === "string" ? rangeVar.schemaname : undefined;
    if (schema === undefined && !ctx.write && ctx.scope.has(name)) return;
    let names: string[];
    if (schema !== undefined) names = [`${schema}.${name}`];
    else if (rangeVar.relpersistence === "t") names = [`pg_temp.${name}`];
    else names = relationCandidates(name, this.searchPath);
    if (ctx.write) this.addWritten(names);
    else for (const n of names) this.read.add(n);
  }

  private addWritten(names: string[]): void {
    for (const n of names) (this.planOnly ? this.read : this.written).add(n);
  }

  /** Objects named by lists of strings (DROP TABLE a.b, COMMENT ON COLUMN t.c, DROP SCHEMA s). */
  private namedObjects(objtype: string, objects: unknown, shape: "drop" | "single"): void {
    const list = Array.isArray(objects) ? objects : [];
    for (const object of list) {
      const parts = nameParts(object);
      if (parts.length === 0) continue;
      if (objtype === "OBJECT_SCHEMA") {
        this.addWritten(parts.map((schema) => `${schema}.*`));
      } else if (TABLE_LIKE.has(objtype)) {
        this.addWritten(this.qualify(parts));
      } else if (objtype === "OBJECT_COLUMN" && shape === "single") {
        this.addWritten(this.qualify(parts.slice(0, -1)));
      }
    }
  }

  private qualify(parts: string[]): string[] {
    const name = parts[parts.length - 1];
    if (name === undefined) return [];
    const schema = parts[parts.length - 2];
    return schema === undefined ? relationCandidates(name, this.searchPath) : [`${schema}.${name}`];
  }

  private dml(type: string, body: Body, ctx: Context, depth: number): void {
    if (!this.planOnly) {
      const kind = DML_KINDS[type];
      if (kind !== undefined) this.nestedKinds.add(kind);
      if ((type === "UpdateStmt" || type === "DeleteStmt") && !referencesRows(body.whereClause)) {
        this.withoutWhere = true;
      }
    }
    this.visitBody(type, body, ctx, depth);
  }

  private copyStmt(body: Body, ctx: Context, depth: number): void {
    const filename = typeof body.filename === "string" ? body.filename : undefined;
    const isFrom = body.is_from === true;
    if (!this.planOnly) {
      const relation = isObject(body.relation) ? this.copyRelation(body.relation) : undefined;
      const columns = Array.isArray(body.attlist)
        ? body.attlist.map((c) => (isObject(c) && isObject(c.String) ? str(c.String.sval) : ""))
        : [];
      this.copy = {
        direction: isFrom ? "from" : "to",
        ...(filename !== undefined && body.is_program === true ? { program: filename } : {}),
        ...(filename !== undefined && body.is_program !== true ? { file: filename } : {}),
        stdio: filename === undefined,
        ...(relation === undefined ? {} : { relation }),
        ...(columns.length === 0 ? {} : { columns }),
        ...copyOptions(body.options),
      };
    }
    if (isObject(body.relation)) this.addRelation(body.relation, { ...ctx, write: isFrom });
    const { relation: _relation, ...rest } = body;
    this.visitBody("CopyStmt", rest, ctx, depth);
  }

  /** The relation a COPY names: the schemas it may resolve to, as addRelation lists them. */
  private copyRelation(rangeVar: Body): string[] {
    const name = str(rangeVar.relname);
    if (typeof rangeVar.schemaname === "string") return [`${rangeVar.schemaname}.${name}`];
    return relationCandidates(name, this.searchPath);
  }

  private funcCall(body: Body, ctx: Context, depth: number): void {
    const parts = this.addFunction(body.funcname);
    const base = parts[parts.length - 1] ?? "";
    if (base === "set_config") this.setConfig(body.args);
    if (RUNS_SQL_TEXT.has(base)) {
      this.opaque(
        `${base}() runs SQL (or reads a relation) named in a string, which is opaque to ` +
          `policy; deny it with functions: [${base}] or allow the statement kind explicitly`,
      );
    }
    const { funcname: _funcname, ...rest } = body;
    this.visitBody(undefined, rest, ctx, depth);
  }

  private addFunction(funcname: unknown): string[] {
    const parts = nameParts({ List: { items: funcname } }).map((p) => p.toLowerCase());
    if (parts.length > 0) this.functions.add(parts.join("."));
    return parts;
  }

  /** set_config(name, value, is_local): follow search_path changes, fail closed on unknowns. */
  private setConfig(args: unknown): void {
    if (this.planOnly) return;
    this.literalDependent = true;
    const list = Array.isArray(args) ? args : [];
    const setting = stringConstant(list[0]);
    if (setting === undefined) {
      this.opaque(
        "set_config() with a computed setting name may change search_path, which policy " +
          "cannot follow; pass the setting name as a literal",
      );
      return;
    }
    if (setting.toLowerCase() !== "search_path") return;
    const value = stringConstant(list[1]);
    const path = value === undefined ? undefined : splitIdentifierList(value);
    if (path === undefined) {
      this.opaque(
        "set_config('search_path', …) with a computed or malformed value makes later " +
          "unqualified names unresolvable; pass the value as a literal",
      );
      return;
    }
    this.setSearchPath = path;
  }

  private variableSet(body: Body): void {
    if (body.kind === "VAR_RESET_ALL") {
      this.setSearchPath = [...DEFAULT_SEARCH_PATH];
      return;
    }
    if (body.name !== "search_path") return;
    switch (body.kind) {
      case "VAR_SET_DEFAULT":
      case "VAR_RESET":
        this.setSearchPath = [...DEFAULT_SEARCH_PATH];
        return;
      case "VAR_SET_VALUE": {
        this.literalDependent = true;
        const args = Array.isArray(body.args) ? body.args : [];
        const values = args.map(stringConstant);
        if (values.every((v): v is string => v !== undefined)) {
          this.setSearchPath = values;
          return;
        }
        break;
      }
      default:
        break;
    }
    this.opaque("SET search_path to a value policy cannot read; name the schemas literally");
  }
}

/** Whether EXPLAIN options ask to run the statement (ANALYZE not explicitly false). */
export function explainRuns(options: unknown): boolean {
  const list = Array.isArray(options) ? options : [];
  for (const item of list) {
    const def = isObject(item) && isObject(item.DefElem) ? item.DefElem : undefined;
    if (def === undefined) continue;
    const name = str(def.defname).toLowerCase();
    if (name !== "analyze" && name !== "analyse") continue;
    const arg = def.arg;
    if (!isObject(arg)) return true;
    if (isObject(arg.String)) return !FALSE_WORDS.has(str(arg.String.sval).toLowerCase());
    if (isObject(arg.Integer)) return arg.Integer.ival !== undefined && arg.Integer.ival !== 0;
    if (isObject(arg.Boolean)) return arg.Boolean.boolval === true;
    return true;
  }
  return false;
}

/**
 * Whether a WHERE clause can narrow the rows: it references a column (or is WHERE
 * CURRENT OF). `WHERE true` and `WHERE 1 = 1` do not.
 */
function referencesRows(where: unknown): boolean {
  if (where === undefined || where === null) return false;
  const stack: unknown[] = [where];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) stack.push(item);
    } else if (isObject(value)) {
      if ("ColumnRef" in value || "CurrentOfExpr" in value) return true;
      for (const v of Object.values(value)) if (typeof v === "object") stack.push(v);
    }
  }
  return false;
}

/** The strings of a name list: `{ List: { items: [{ String: { sval } }] } }` or `{ String }`. */
function nameParts(node: unknown): string[] {
  if (!isObject(node)) return [];
  if (isObject(node.String)) return [str(node.String.sval)];
  const items = isObject(node.List) ? node.List.items : undefined;
  if (!Array.isArray(items)) return [];
  return items.flatMap((item) =>
    isObject(item) && isObject(item.String) ? [str(item.String.sval)] : [],
  );
}

/** The value of a string constant node, or undefined for anything else. */
function stringConstant(node: unknown): string | undefined {
  if (!isObject(node) || !isObject(node.A_Const)) return undefined;
  const sval = node.A_Const.sval;
  if (!isObject(sval)) return undefined;
  return typeof sval.sval === "string" ? sval.sval : "";
}

function isObject(value: unknown): value is Body {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** COPY's format and the options that shape its text (FORMAT, DELIMITER, NULL, QUOTE, ESCAPE, HEADER). */
function copyOptions(options: unknown): Pick<CopyFacts, "binary" | "format" | "text"> {
  const text: NonNullable<CopyFacts["text"]> = {};
  let format: CopyFacts["format"] = "text";
  for (const option of Array.isArray(options) ? options : []) {
    const def = isObject(option) && isObject(option.DefElem) ? option.DefElem : undefined;
    if (def === undefined) continue;
    const arg = def.arg;
    const value =
      isObject(arg) && isObject(arg.String)
        ? str(arg.String.sval)
        : isObject(arg) && isObject(arg.Boolean)
          ? String(arg.Boolean.boolval === true)
          : undefined;
    switch (def.defname) {
      case "format":
        if (value === "csv" || value === "binary" || value === "text") format = value;
        break;
      case "delimiter":
        if (value !== undefined) text.delimiter = value;
        break;
      case "null":
        if (value !== undefined) text.null = value;
        break;
      case "quote":
        if (value !== undefined) text.quote = value;
        break;
      case "escape":
        if (value !== undefined) text.escape = value;
        break;
      case "header":
        // HEADER with no argument means true; MATCH applies to COPY FROM only.
        text.header =
          value === undefined || ["true", "on", "1", "match"].includes(value.toLowerCase());
        break;
      default:
        break;
    }
  }
  return {
    binary: format === "binary",
    format,
    ...(Object.keys(text).length === 0 ? {} : { text }),
  };
}
