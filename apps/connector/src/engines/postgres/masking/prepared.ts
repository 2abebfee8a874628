// The session's prepared statements and portals as the target confirmed them
// (ParseComplete, BindComplete, the RowDescription of a Describe), so that the
// rows of an Execute, which come without a RowDescription, have their columns.

import type { DescribeTarget, RowDescriptionField } from "@airlock/pg-wire";

interface Statement {
  /** From a Describe of the statement or of a portal bound to it; [] for NoData. */
  fields: readonly RowDescriptionField[] | undefined;
}

interface Portal {
  /** Undefined when bound to a statement the connector never saw parsed. */
  readonly statement: Statement | undefined;
  readonly resultFormats: readonly number[];
  /** From a Describe of the portal: the formats are the real ones. */
  fields: readonly RowDescriptionField[] | undefined;
}

export class PreparedObjects {
  private readonly statements = new Map<string, Statement>();
  private readonly portals = new Map<string, Portal>();

  parsed(name: string): void {
    this.statements.set(name, { fields: undefined });
  }

  bound(portal: string, statement: string, resultFormats: readonly number[]): void {
    this.portals.set(portal, {
      statement: this.statements.get(statement),
      resultFormats,
      fields: undefined,
    });
  }

  described(target: DescribeTarget, name: string, fields: readonly RowDescriptionField[]): void {
    if (target === "statement") {
      const statement = this.statements.get(name);
      if (statement) statement.fields = fields;
      else this.statements.set(name, { fields });
      return;
    }
    const portal = this.portals.get(name);
    if (!portal) {
      this.portals.set(name, { statement: undefined, resultFormats: [], fields });
      return;
    }
    portal.fields = fields;
    // The same columns for every later portal of that statement (formats come from each Bind).
    if (portal.statement && portal.statement.fields === undefined) portal.statement.fields = fields;
  }

  closed(target: DescribeTarget, name: string): void {
    if (target === "statement") this.statements.delete(name);
    else this.portals.delete(name);
  }

  /** A simple Query destroys the unnamed statement and portal. */
  queryDone(): void {
    this.statements.delete("");
    this.portals.delete("");
  }

  /** Portals live until the end of their transaction. */
  transactionDone(): void {
    this.portals.clear();
  }

  /** The columns of the rows an Execute of `portal` sends; undefined when never described. */
  rowsOf(name: string): readonly RowDescriptionField[] | undefined {
    const portal = this.portals.get(name);
    if (!portal) return undefined;
    if (portal.fields) return portal.fields;
    const fields = portal.statement?.fields;
    if (!fields) return undefined;
    const formats = portal.resultFormats;
    // A statement's Describe says format 0 for every column ("not known yet"): Bind decides.
    return fields.map((field, i) => ({ ...field, format: formatOf(formats, i) }));
  }
}

function formatOf(formats: readonly number[], column: number): number {
  if (formats.length === 0) return 0;
  if (formats.length === 1) return formats[0] as number;
  return formats[column] ?? 0;
}
