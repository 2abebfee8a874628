// Validates documents against NIST's OSCAL Assessment Results JSON Schema as vendored in
// vendor/oscal/ (draft-07): ajv in strict mode, with ajv-formats for the schema's formats
// (date-time, uri, uri-reference, email), every error reported.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

export const OSCAL_SCHEMA_PATH = path.resolve(
  __dirname,
  "../../vendor/oscal/oscal_assessment-results_schema.json",
);

// ajv-formats is CommonJS with a default export; depending on the loader it arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

let compiled: ValidateFunction | undefined;

/** The schema's `$id` and `$schema`, to check which OSCAL version and draft it is. */
export function oscalSchemaIds(): { id: string; draft: string } {
  const schema = JSON.parse(readFileSync(OSCAL_SCHEMA_PATH, "utf8")) as Record<string, string>;
  return { id: schema["$id"] ?? "", draft: schema["$schema"] ?? "" };
}

function validator(): ValidateFunction {
  if (compiled === undefined) {
    const schema = JSON.parse(readFileSync(OSCAL_SCHEMA_PATH, "utf8")) as object;
    const ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(ajv);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** Empty when `document` is a valid OSCAL Assessment Results document; else each problem. */
export function oscalErrors(document: unknown): string[] {
  const validate = validator();
  if (validate(document)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || "/"} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
  );
}
