import type { StatementFacts } from "./facts";
import { type StatementKind, umbrellasOf } from "./kinds";
import { classifyStatement } from "./classify";
import { Collector, explainRuns } from "./collector";

/** What earlier statements of the same query string changed for later ones. */
export interface StatementEnv {
  searchPath: readonly string[];
  /** Statements prepared earlier in the same string, by name. */
  prepared: Map<string, StatementFacts>;
  /** Set when any fact came from a literal value. */
  literalDependent: boolean;
}

type Body = Record<string, unknown>;

/** Facts about one top-level statement node `{ Type: body }`. */
export function inspectStatement(node: Body, text: string, env: StatementEnv): StatementFacts {
  const [type, raw] = Object.entries(node)[0] ?? ["", {}];
  const body = (raw ?? {}) as Body;
  switch (type) {
    case "ExplainStmt": {
      const query = body.query as Body;
      if (explainRuns(body.options)) return wrap(inspectStatement(query, text, env), "explain");
      return collect("explain", query, text, env, true);
    }
    case "PrepareStmt": {
      const name = nameOf(body.name);
      const inner = inspectStatement(body.query as Body, text, env);
      env.prepared.set(name, inner);
      return { ...wrap(inner, "prepare"), prepared: { name, statement: inner } };
    }
    case "DeclareCursorStmt":
      return wrap(inspectStatement(body.query as Body, text, env), "declare");
    case "ExecuteStmt": {
      const name = nameOf(body.name);
      const known = env.prepared.get(name);
      const own = collect("execute", node, text, env, false);
      if (known === undefined) return { ...own, prepared: { name } };
      // Prepared earlier in this same string: judge it as what it runs.
      // "execute" is left out: in `kinds` it means "not resolved", which policy treats as opaque.
      return {
        ...known,
        functions: union(known.functions, own.functions),
        text,
        prepared: { name, statement: known },
      };
    }
    case "DeallocateStmt": {
      const name = body.isall === true ? "*" : nameOf(body.name);
      if (name === "*") env.prepared.clear();
      else env.prepared.delete(name);
      return { ...collect("deallocate", node, text, env, false), prepared: { name } };
    }
    default: {
      const facts = collect(classifyStatement(type, body), node, text, env, false);
      if (type === "DiscardStmt" && body.target === "DISCARD_ALL") {
        env.prepared.clear();
        return { ...facts, prepared: { name: "*" } };
      }
      return facts;
    }
  }
}

function collect(
  kind: StatementKind,
  node: Body,
  text: string,
  env: StatementEnv,
  planOnly: boolean,
): StatementFacts {
  const c = new Collector(env.searchPath, planOnly);
  c.visitStatement(node);
  if (c.literalDependent) env.literalDependent = true;
  if (c.setSearchPath !== undefined) env.searchPath = c.setSearchPath;
  const opaqueReason = c.opaqueReasons[0];
  return {
    kind,
    kinds: kindsOf(kind, c.nestedKinds),
    relationsRead: [...c.read],
    relationsWritten: [...c.written],
    functions: [...c.functions],
    withoutWhere: c.withoutWhere,
    ...(c.copy === undefined ? {} : { copy: c.copy }),
    opaque: opaqueReason !== undefined,
    ...(opaqueReason === undefined ? {} : { opaqueReason }),
    ...(c.setSearchPath === undefined ? {} : { setSearchPath: c.setSearchPath }),
    text,
  };
}

/** A wrapper (EXPLAIN ANALYZE, PREPARE, DECLARE, EXECUTE): the inner facts plus its kind. */
function wrap(inner: StatementFacts, kind: StatementKind): StatementFacts {
  return { ...inner, kinds: union(inner.kinds, [kind]) };
}

function kindsOf(kind: StatementKind, nested: Iterable<StatementKind>): StatementKind[] {
  const result: StatementKind[] = [];
  const add = (k: StatementKind): void => {
    for (const x of [k, ...umbrellasOf(k)]) if (!result.includes(x)) result.push(x);
  };
  add(kind);
  for (const k of nested) add(k);
  return result;
}

function union<T>(a: readonly T[], b: readonly T[]): T[] {
  return [...new Set([...a, ...b])];
}

function nameOf(value: unknown): string {
  return typeof value === "string" ? value : "";
}
