// What schema.prisma declares, as Postgres schema facts, read through Prisma's OWN
// schema parser rather than a regex over the file.
//
// Parser choice: `@prisma/prisma-schema-wasm` (root devDependency, pinned exactly) is
// the WASM build of prisma-engines' schema crate, offline, no install script, no
// engine download, runs on Node 20. Its `get_dmmf` is what `@prisma/internals`'
// getDMMF calls; @prisma/internals itself would drag in the engines and the
// download-at-install machinery. The version published for our exact engines hash
// (8.1.0-1.d1b3f377…) does not exist on npm; 8.1.0-2.59be4fda… was chosen because its
// prisma_schema_build_bg.wasm is byte-identical (sha256 e77f37d7…) to the one bundled
// in the prisma@7.10.1 CLI we generate the client with. When Prisma is upgraded, pick
// the wasm version whose binary matches the new CLI's build/prisma_schema_build_bg.wasm.
//
// The mapping from Prisma types/attributes to Postgres follows what `prisma migrate`
// generates for PostgreSQL. Anything this file does not know how Prisma renders
// throws "unsupported" rather than guessing: extend it when the schema grows.
import { get_dmmf } from "@prisma/prisma-schema-wasm";
import { facts, type ReferentialAction } from "./schema-facts";

interface DmmfDefault {
  name: string;
  args: unknown[];
}

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "object" | "enum" | "unsupported";
  isList: boolean;
  isRequired: boolean;
  isUpdatedAt?: boolean;
  hasDefaultValue: boolean;
  default?: DmmfDefault | string | number | boolean | unknown[];
  type: string;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: ReferentialAction;
  relationOnUpdate?: ReferentialAction;
}

interface DmmfModel {
  name: string;
  dbName: string | null;
  schema: string | null;
  fields: DmmfField[];
}

interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: { name: string; dbName: string | null }[];
}

interface DmmfIndexField {
  name: string;
  sortOrder?: "asc" | "desc";
  [option: string]: unknown;
}

interface DmmfIndex {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  dbName?: string | null;
  algorithm?: string;
  fields: DmmfIndexField[];
}

interface DmmfDatamodel {
  enums: DmmfEnum[];
  models: DmmfModel[];
  types: unknown[];
  indexes: DmmfIndex[];
}

/** Postgres' identifier limit; Prisma shortens longer generated names, which we don't model. */
const MAX_IDENTIFIER = 63;

export function parseDatamodel(schemaText: string): DmmfDatamodel {
  const dmmf = JSON.parse(
    get_dmmf(JSON.stringify({ prismaSchema: [["schema.prisma", schemaText]] })),
  ) as {
    datamodel: DmmfDatamodel;
  };
  return dmmf.datamodel;
}

export function expectedFacts(schemaText: string): string[] {
  // DMMF does not carry a relation's `map:` (custom foreign key name).
  if (/@relation\([^)]*\bmap\s*:/.test(schemaText)) unsupported("@relation(map: ...)");
  const dm = parseDatamodel(schemaText);
  if (dm.types.length > 0) unsupported("composite types");
  const enumDbNames = new Map(dm.enums.map((e) => [e.name, e.dbName ?? e.name]));
  const out: string[] = [];
  for (const e of dm.enums) {
    out.push(
      facts.enum(
        e.dbName ?? e.name,
        e.values.map((v) => v.dbName ?? v.name),
      ),
    );
  }
  const models = new Map(dm.models.map((m) => [m.name, m]));
  for (const model of dm.models) {
    if (model.schema !== null) unsupported(`multiSchema (${model.name})`);
    const table = tableName(model);
    out.push(facts.table(table));
    for (const field of model.fields) {
      if (field.kind === "unsupported")
        unsupported(`Unsupported("${field.type}") in ${model.name}.${field.name}`);
      if (field.kind === "object") {
        const fk = foreignKey(model, field, models);
        if (fk !== null) out.push(fk);
        continue;
      }
      const type = columnType(field, enumDbNames);
      // Prisma never puts NOT NULL on a scalar list column (`String[]` → `TEXT[]`).
      const nullable = field.isList || !field.isRequired;
      out.push(
        facts.column(
          table,
          columnName(field),
          type,
          nullable,
          expectedDefault(model, field, enumDbNames),
        ),
      );
    }
  }
  for (const index of dm.indexes) out.push(indexFact(index, models));
  return out;
}

function indexFact(index: DmmfIndex, models: Map<string, DmmfModel>): string {
  const model = mustGet(models, index.model, "model");
  const table = tableName(model);
  const columns = index.fields.map((f) => {
    const extra = Object.keys(f).filter((k) => k !== "name" && k !== "sortOrder");
    if (extra.length > 0) unsupported(`index field options ${extra.join(", ")} on ${model.name}`);
    return columnName(fieldOf(model, f.name));
  });
  const keyColumns = index.fields.map(
    (f, i) => `${columns[i]}${f.sortOrder === "desc" ? " DESC" : ""}`,
  );
  switch (index.type) {
    case "id":
      return facts.primaryKey(index.dbName ?? constraintName(table, [], "pkey"), table, columns);
    case "unique":
      return facts.index({
        name: index.dbName ?? constraintName(table, columns, "key"),
        table,
        unique: true,
        method: "btree",
        columns: keyColumns,
        extras: [],
      });
    case "normal":
      return facts.index({
        name: index.dbName ?? constraintName(table, columns, "idx"),
        table,
        unique: false,
        method: (index.algorithm ?? "BTree").toLowerCase(),
        columns: keyColumns,
        extras: [],
      });
    case "fulltext":
      return unsupported(`@@fulltext on ${model.name}`);
    default:
      return assertNever(index.type);
  }
}

function foreignKey(
  model: DmmfModel,
  field: DmmfField,
  models: Map<string, DmmfModel>,
): string | null {
  const from = field.relationFromFields ?? [];
  if (from.length === 0) return null; // the back-relation side holds no columns
  const table = tableName(model);
  const target = mustGet(models, field.type, "model");
  const fromFields = from.map((name) => fieldOf(model, name));
  const columns = fromFields.map(columnName);
  const refColumns = (field.relationToFields ?? []).map((name) =>
    columnName(fieldOf(target, name)),
  );
  // Prisma's defaults: Restrict when the relation is required, SetNull when optional;
  // updates cascade.
  const required = fromFields.every((f) => f.isRequired);
  return facts.foreignKey({
    name: constraintName(table, columns, "fkey"),
    table,
    columns,
    refTable: tableName(target),
    refColumns,
    onDelete: field.relationOnDelete ?? (required ? "Restrict" : "SetNull"),
    onUpdate: field.relationOnUpdate ?? "Cascade",
  });
}

function columnType(field: DmmfField, enumDbNames: Map<string, string>): string {
  let base: string;
  if (field.kind === "enum") base = mustGet(enumDbNames, field.type, "enum");
  else if (field.nativeType) base = nativeType(field.nativeType[0], field.nativeType[1]);
  else base = defaultType(field.type);
  return field.isList ? `${base}[]` : base;
}

// Postgres' own spelling (format_type) of Prisma's default column types.
function defaultType(prismaType: string): string {
  const types: Record<string, string> = {
    String: "text",
    Boolean: "boolean",
    Int: "integer",
    BigInt: "bigint",
    Float: "double precision",
    Decimal: "numeric(65,30)",
    DateTime: "timestamp(3) without time zone",
    Json: "jsonb",
    Bytes: "bytea",
  };
  return types[prismaType] ?? unsupported(`scalar type ${prismaType}`);
}

function nativeType(name: string, args: string[]): string {
  const arg = (fallback: string): string => (args.length > 0 ? `(${args.join(",")})` : fallback);
  switch (name) {
    case "Uuid":
      return "uuid";
    case "Text":
      return "text";
    case "VarChar":
      return `character varying${arg("")}`;
    case "Char":
      return `character${arg("(1)")}`;
    case "Timestamptz":
      return `timestamp${arg("")} with time zone`;
    case "Timestamp":
      return `timestamp${arg("")} without time zone`;
    case "Time":
      return `time${arg("")} without time zone`;
    case "Timetz":
      return `time${arg("")} with time zone`;
    case "Date":
      return "date";
    case "Integer":
      return "integer";
    case "SmallInt":
      return "smallint";
    case "BigInt":
      return "bigint";
    case "Real":
      return "real";
    case "DoublePrecision":
      return "double precision";
    case "Decimal":
      return `numeric${arg("")}`;
    case "Boolean":
      return "boolean";
    case "Json":
      return "json";
    case "JsonB":
      return "jsonb";
    case "ByteA":
      return "bytea";
    case "Inet":
      return "inet";
    case "Xml":
      return "xml";
    case "Money":
      return "money";
    case "Oid":
      return "oid";
    case "Citext":
      return "citext";
    default:
      return unsupported(`native type @db.${name}`);
  }
}

// The default expression as Postgres prints it back (pg_get_expr).
function expectedDefault(
  model: DmmfModel,
  field: DmmfField,
  enumDbNames: Map<string, string>,
): string | null {
  if (!field.hasDefaultValue || field.default === undefined) return null;
  const where = `${model.name}.${field.name}`;
  const value = field.default;
  if (Array.isArray(value)) {
    if (value.length > 0) unsupported(`non-empty list default on ${where}`);
    return `ARRAY[]::${columnType(field, enumDbNames)}`;
  }
  if (typeof value === "object" && value !== null) {
    switch (value.name) {
      case "now":
        return "CURRENT_TIMESTAMP";
      case "autoincrement":
        return `nextval('${tableName(model)}_${columnName(field)}_seq'::regclass)`;
      case "uuid":
      case "cuid":
      case "nanoid":
      case "ulid":
        return null; // generated by Prisma Client, not by the database
      default:
        return unsupported(`@default(${value.name}(...)) on ${where}`);
    }
  }
  if (field.kind === "enum" && typeof value === "string") {
    return `'${value}'::${mustGet(enumDbNames, field.type, "enum")}`;
  }
  if (field.nativeType) unsupported(`a literal default on the native-typed ${where}`);
  switch (field.type) {
    case "String":
      return typeof value === "string"
        ? `${sqlString(value)}::text`
        : unsupported(`default on ${where}`);
    case "Json":
      return typeof value === "string"
        ? `${sqlString(value)}::jsonb`
        : unsupported(`default on ${where}`);
    case "Boolean":
      return typeof value === "boolean" ? String(value) : unsupported(`default on ${where}`);
    case "Int":
    case "BigInt":
      return typeof value === "number" && value >= 0
        ? String(value)
        : unsupported(`default on ${where}`);
    default:
      return unsupported(`a literal ${field.type} default on ${where}`);
  }
}

function constraintName(table: string, columns: string[], suffix: string): string {
  const name = [table, ...columns, suffix].join("_");
  if (name.length > MAX_IDENTIFIER)
    unsupported(`generated name longer than ${MAX_IDENTIFIER} characters: ${name}`);
  return name;
}

function tableName(model: DmmfModel): string {
  return model.dbName ?? model.name;
}

function columnName(field: DmmfField): string {
  return field.dbName ?? field.name;
}

function fieldOf(model: DmmfModel, name: string): DmmfField {
  const field = model.fields.find((f) => f.name === name);
  if (!field) throw new Error(`DMMF: model ${model.name} has no field ${name}`);
  return field;
}

function mustGet<V>(map: Map<string, V>, key: string, what: string): V {
  const value = map.get(key);
  if (value === undefined) throw new Error(`DMMF: unknown ${what} ${key}`);
  return value;
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function unsupported(what: string): never {
  throw new Error(
    `schema check: ${what} is not supported yet; teach test/schema/prisma-schema-facts.ts how Prisma renders it`,
  );
}

function assertNever(value: never): never {
  throw new Error(`unexpected index type ${String(value)}`);
}
