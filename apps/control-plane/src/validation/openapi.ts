// zod is the single source of truth for request and response shapes; these turn a
// schema into what @nestjs/swagger decorators take.
import type { SchemaObject } from "@nestjs/swagger";
import { z } from "zod";

export function openApiSchema(schema: z.ZodType, io: "input" | "output" = "input"): SchemaObject {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    target: "openapi-3.0",
    io,
    unrepresentable: "any",
  });
  return json as SchemaObject;
}
