// What a migrated database actually holds, read from pg_catalog, as the same facts
// prisma-schema-facts.ts derives from schema.prisma. Covers the current schema
// (search_path's first schema) minus Prisma's own `_prisma_migrations` table.
import pg from "pg";
import { facts, type ReferentialAction } from "./schema-facts";

const IGNORED_TABLES = ["_prisma_migrations"];

const ACTIONS: Record<string, ReferentialAction> = {
  a: "NoAction",
  r: "Restrict",
  c: "Cascade",
  n: "SetNull",
  d: "SetDefault",
};

export async function databaseFacts(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return [
      ...(await enumFacts(client)),
      ...(await tableFacts(client)),
      ...(await columnFacts(client)),
      ...(await constraintFacts(client)),
      ...(await indexFacts(client)),
    ];
  } finally {
    await client.end();
  }
}

async function enumFacts(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string; values: string[] }>(`
    SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS values
      FROM pg_type t
      JOIN pg_namespace n ON n.oid = t.typnamespace
      JOIN pg_enum e ON e.enumtypid = t.oid
     WHERE n.nspname = current_schema()
     GROUP BY t.typname`);
  return rows.map((r) => facts.enum(r.name, r.values));
}

async function tableFacts(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT (c.relname = ANY($1))`,
    [IGNORED_TABLES],
  );
  return rows.map((r) => facts.table(r.name));
}

async function columnFacts(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{
    table: string;
    column: string;
    type: string;
    not_null: boolean;
    dflt: string | null;
    identity: string;
    generated: string;
  }>(
    `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS dflt,
            a.attidentity AS identity, a.attgenerated AS generated
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT (c.relname = ANY($1))
        AND a.attnum > 0 AND NOT a.attisdropped`,
    [IGNORED_TABLES],
  );
  return rows.map((r) => {
    // Identity and generated columns are something Prisma never creates: make them show.
    const marks = [
      r.identity !== "" ? "identity" : "",
      r.generated !== "" ? "generated" : "",
    ].filter(Boolean);
    const dflt = marks.length > 0 ? [r.dflt ?? "", ...marks].join(" ").trim() : r.dflt;
    return facts.column(r.table, r.column, r.type, !r.not_null, dflt);
  });
}

async function constraintFacts(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{
    name: string;
    table: string;
    kind: string;
    columns: string[];
    ref_table: string | null;
    ref_columns: string[];
    on_delete: string;
    on_update: string;
  }>(
    `SELECT con.conname AS name, c.relname AS table, con.contype AS kind,
            ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                   ORDER BY k.ord)::text[] AS columns,
            fc.relname AS ref_table,
            ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                   ORDER BY k.ord)::text[] AS ref_columns,
            con.confdeltype AS on_delete, con.confupdtype AS on_update
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class fc ON fc.oid = con.confrelid
      WHERE n.nspname = current_schema() AND NOT (c.relname = ANY($1))`,
    [IGNORED_TABLES],
  );
  const out: string[] = [];
  for (const r of rows) {
    switch (r.kind) {
      case "p":
        out.push(facts.primaryKey(r.name, r.table, r.columns));
        break;
      case "f":
        out.push(
          facts.foreignKey({
            name: r.name,
            table: r.table,
            columns: r.columns,
            refTable: r.ref_table ?? "?",
            refColumns: r.ref_columns,
            onDelete: action(r.on_delete),
            onUpdate: action(r.on_update),
          }),
        );
        break;
      case "u":
        break; // its index is reported by indexFacts under the same name
      default:
        out.push(facts.otherConstraint(r.name, r.table, kindName(r.kind)));
    }
  }
  return out;
}

async function indexFacts(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{
    name: string;
    table: string;
    unique: boolean;
    method: string;
    columns: string[];
    partial: boolean;
    included: number;
  }>(
    `SELECT i.relname AS name, t.relname AS table, ix.indisunique AS unique, am.amname AS method,
            ARRAY(SELECT COALESCE(a.attname, '(expression)')
                         || CASE WHEN ((ix.indoption::int2[])[k.ord - 1] & 1) = 1 THEN ' DESC' ELSE '' END
                    FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                    LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum AND k.attnum > 0
                   WHERE k.ord <= ix.indnkeyatts
                   ORDER BY k.ord)::text[] AS columns,
            ix.indpred IS NOT NULL AS partial,
            ix.indnatts - ix.indnkeyatts AS included
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       JOIN pg_am am ON am.oid = i.relam
      WHERE n.nspname = current_schema() AND NOT ix.indisprimary AND NOT (t.relname = ANY($1))`,
    [IGNORED_TABLES],
  );
  return rows.map((r) =>
    facts.index({
      name: r.name,
      table: r.table,
      unique: r.unique,
      method: r.method,
      columns: r.columns,
      extras: [r.partial ? "partial" : "", r.included > 0 ? `include ${r.included}` : ""].filter(
        Boolean,
      ),
    }),
  );
}

function action(code: string): ReferentialAction {
  const name = ACTIONS[code];
  if (name === undefined) throw new Error(`unknown referential action code ${code}`);
  return name;
}

function kindName(code: string): string {
  return code === "c"
    ? "check"
    : code === "x"
      ? "exclusion"
      : code === "t"
        ? "trigger"
        : `pg_constraint '${code}'`;
}
