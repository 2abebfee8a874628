// The session's view of prepared statements and portals, so that each Execute of
// an extended-protocol batch can be recorded with its statement text and bound
// parameters. A batch is planned first and committed only when it is forwarded:
// a refused batch leaves the maps as they were (the server never saw it).
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

export interface BatchPlan {
  /** One per Execute, in order: the commands of the batch. */
  executes: PlannedExecute[];
  /** The text of every Parse in the batch (decided on, not recorded as commands). */
  parsed: string[];
  /** Applies the batch's Parse, Bind and Close to the session's maps. */
  commit(): void;
}

export class PreparedStatements {
  private readonly statements = new Map<string, string>();
  private readonly portals = new Map<string, Portal>();

  plan(messages: readonly FrontendMessage[]): BatchPlan {
    const statements = new Map<string, string | undefined>();
    const portals = new Map<string, Portal | undefined>();
    const statement = (name: string): string | undefined =>
      statements.has(name) ? statements.get(name) : this.statements.get(name);
    const portal = (name: string): Portal | undefined =>
      portals.has(name) ? portals.get(name) : this.portals.get(name);
    const executes: PlannedExecute[] = [];
    const parsed: string[] = [];
    for (const m of messages) {
      switch (m.type) {
        case "parse":
          statements.set(m.name, m.sql);
          parsed.push(m.sql);
          break;
        case "bind":
          portals.set(m.portal, {
            sql: statement(m.statement) ?? "",
            params: recordedParams(m.paramFormats, m.params),
          });
          break;
        case "close":
          if (m.target === "statement") statements.set(m.name, undefined);
          else portals.set(m.name, undefined);
          break;
        case "execute": {
          const p = portal(m.portal);
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
      commit: () => {
        apply(this.statements, statements);
        apply(this.portals, portals);
      },
    };
  }

  /** A simple Query destroys the unnamed statement and the unnamed portal. */
  onSimpleQuery(): void {
    this.statements.delete("");
    this.portals.delete("");
  }
}

function apply<V>(target: Map<string, V>, changes: Map<string, V | undefined>): void {
  for (const [name, value] of changes) {
    if (value === undefined) target.delete(name);
    else target.set(name, value);
  }
}
