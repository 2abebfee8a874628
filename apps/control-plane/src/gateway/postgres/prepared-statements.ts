// The session's view of prepared statements and portals, so that each Execute of
// an extended-protocol batch can be recorded (and decided) with its statement text and
// bound parameters. A batch is planned first and committed only when it is forwarded:
// a refused batch leaves the maps as they were (the server never saw it).
//
// A Bind may name a statement this map does not hold: one prepared with SQL PREPARE
// (same namespace on the server). Its Executes are decided as `EXECUTE "name"`, which
// the decision point resolves to the prepared text, or denies as opaque. A statement
// whose Parse policy refused is remembered by name, so a later Bind of it is refused
// too (with the reason) rather than reaching the server.
import type { FrontendMessage } from "@airlock/pg-wire";
import { type RecordedParam, recordedParams } from "./bind-params";

interface Portal {
  sql: string;
  params: RecordedParam[];
}

export interface PlannedExecute {
  portal: string;
  /** The statement text; "" when the portal or its statement is unknown (the server will refuse it). */
  sql: string;
  params: RecordedParam[] | null;
}

/** The batch's Parses and Executes, in the order the server will run them. */
export type PlanStep =
  { type: "parse"; name: string; sql: string } | { type: "execute"; index: number };

export interface BatchPlan {
  /** One per Execute, in order: the commands of the batch. */
  executes: PlannedExecute[];
  /** The text of every Parse in the batch (decided on, not recorded as commands). */
  parsed: string[];
  steps: PlanStep[];
  /** The first statement a Bind names whose Parse policy refused earlier, if any. */
  refusedStatement: string | undefined;
  /** Applies the batch's Parse, Bind and Close to the session's maps. */
  commit(): void;
}

export class PreparedStatements {
  private readonly statements = new Map<string, string>();
  private readonly portals = new Map<string, Portal>();
  /** Statements whose Parse was refused, by name, until a Parse of the name is forwarded. */
  private readonly refused = new Set<string>();

  /** The Parses of these names were refused by policy. */
  markRefused(names: readonly string[]): void {
    for (const name of names) this.refused.add(name);
  }

  plan(messages: readonly FrontendMessage[]): BatchPlan {
    const statements = new Map<string, string | undefined>();
    const portals = new Map<string, Portal | undefined>();
    const statement = (name: string): string | undefined =>
      statements.has(name) ? statements.get(name) : this.statements.get(name);
    const portal = (name: string): Portal | undefined =>
      portals.has(name) ? portals.get(name) : this.portals.get(name);
    const executes: PlannedExecute[] = [];
    const parsed: string[] = [];
    const steps: PlanStep[] = [];
    let refusedStatement: string | undefined;
    for (const m of messages) {
      switch (m.type) {
        case "parse":
          statements.set(m.name, m.sql);
          parsed.push(m.sql);
          steps.push({ type: "parse", name: m.name, sql: m.sql });
          break;
        case "bind": {
          const known = statement(m.statement);
          if (
            known === undefined &&
            !statements.has(m.statement) &&
            this.refused.has(m.statement)
          ) {
            refusedStatement ??= m.statement;
          }
          portals.set(m.portal, {
            sql: known ?? sqlPrepared(m.statement),
            params: recordedParams(m.paramFormats, m.params),
          });
          break;
        }
        case "close":
          if (m.target === "statement") statements.set(m.name, undefined);
          else portals.set(m.name, undefined);
          break;
        case "execute": {
          const p = portal(m.portal);
          steps.push({ type: "execute", index: executes.length });
          executes.push({ portal: m.portal, sql: p?.sql ?? "", params: p?.params ?? null });
          break;
        }
        default:
          break;
      }
    }
    return {
      executes,
      parsed,
      steps,
      refusedStatement,
      commit: () => {
        apply(this.statements, statements);
        apply(this.portals, portals);
        for (const name of statements.keys()) this.refused.delete(name);
      },
    };
  }

  /** A simple Query destroys the unnamed statement and the unnamed portal. */
  onSimpleQuery(): void {
    this.statements.delete("");
    this.portals.delete("");
  }
}

/**
 * A statement this map does not hold: maybe one prepared with SQL PREPARE, run as such.
 * The unnamed statement cannot be (the server will refuse the Bind).
 */
function sqlPrepared(name: string): string {
  return name === "" ? "" : `EXECUTE "${name.replace(/"/g, '""')}"`;
}

function apply<V>(target: Map<string, V>, changes: Map<string, V | undefined>): void {
  for (const [name, value] of changes) {
    if (value === undefined) target.delete(name);
    else target.set(name, value);
  }
}
