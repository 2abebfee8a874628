// A database schema as a set of one-line facts ("column users.name text NOT NULL
// default none"), so that what schema.prisma declares and what the migrated
// database holds can be compared as two sets, with a diff a person can read.
// Both sides build their facts with these functions only, so formats cannot drift.

export type ReferentialAction = "Cascade" | "Restrict" | "NoAction" | "SetNull" | "SetDefault";

export interface ForeignKeyShape {
  name: string;
  table: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: ReferentialAction;
  onUpdate: ReferentialAction;
}

export interface IndexShape {
  name: string;
  table: string;
  unique: boolean;
  method: string;
  /** Key columns in order, each suffixed with " DESC" when descending. */
  columns: string[];
  /** Anything else that makes the index special (partial, INCLUDE, expression). */
  extras: string[];
}

// Types and defaults are compared without identifier quotes: Postgres prints
// "UserKind" for a mixed-case enum, schema.prisma just UserKind.
const unquote = (text: string): string => text.replace(/"/g, "");

export const facts = {
  enum: (name: string, values: string[]): string => `enum ${name} (${values.join(", ")})`,
  table: (name: string): string => `table ${name}`,
  column: (
    table: string,
    column: string,
    type: string,
    nullable: boolean,
    dflt: string | null,
  ): string =>
    `column ${table}.${column} ${unquote(type)} ${nullable ? "NULL" : "NOT NULL"} default ${
      dflt === null ? "none" : unquote(dflt)
    }`,
  primaryKey: (name: string, table: string, columns: string[]): string =>
    `primary key ${name} on ${table} (${columns.join(", ")})`,
  index: (ix: IndexShape): string =>
    `${ix.unique ? "unique index" : "index"} ${ix.name} on ${ix.table} using ${ix.method} (${ix.columns.join(", ")})` +
    ix.extras.map((extra) => ` ${extra}`).join(""),
  foreignKey: (fk: ForeignKeyShape): string =>
    `foreign key ${fk.name} on ${fk.table} (${fk.columns.join(", ")}) references ${fk.refTable} (${fk.refColumns.join(
      ", ",
    )}) on delete ${fk.onDelete} on update ${fk.onUpdate}`,
  otherConstraint: (name: string, table: string, kind: string): string =>
    `${kind} constraint ${name} on ${table}`,
};

export interface SchemaDiff {
  /** Declared by schema.prisma, absent from (or different in) the database. */
  missingFromDatabase: string[];
  /** In the database, not declared by schema.prisma. */
  notInSchemaPrisma: string[];
}

export function diffFacts(expected: Iterable<string>, actual: Iterable<string>): SchemaDiff {
  const want = new Set(expected);
  const have = new Set(actual);
  return {
    missingFromDatabase: [...want].filter((fact) => !have.has(fact)).sort(),
    notInSchemaPrisma: [...have].filter((fact) => !want.has(fact)).sort(),
  };
}
