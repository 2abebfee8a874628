// Decorator helpers that feed zod schemas into the OpenAPI document.
import { applyDecorators } from "@nestjs/common";
import { ApiBearerAuth, ApiBody, ApiQuery, ApiResponse, type SchemaObject } from "@nestjs/swagger";
import type { z } from "zod";
import { ErrorResponse } from "./common.schemas";
import { openApiSchema } from "./openapi";

const ERROR_SCHEMA = openApiSchema(ErrorResponse, "output");

/** Request body documented from its zod schema. */
export const DocBody = (schema: z.ZodType): MethodDecorator =>
  ApiBody({ schema: openApiSchema(schema, "input") });

/** Query parameters documented from a zod object schema, one entry per property. */
export const DocQuery = (schema: z.ZodObject): MethodDecorator => {
  const json = openApiSchema(schema, "input");
  const required = new Set(json.required ?? []);
  const properties = Object.entries(json.properties ?? {}) as Array<[string, SchemaObject]>;
  return applyDecorators(
    ...properties.map(([name, property]) =>
      ApiQuery({
        name,
        required: required.has(name),
        schema: property,
        ...(property.description === undefined ? {} : { description: property.description }),
      }),
    ),
  );
};

/** A success response documented from its zod schema (or none, for 204). */
export const DocResponse = (
  status: number,
  schema?: z.ZodType,
  description = "success",
): MethodDecorator =>
  ApiResponse({
    status,
    description,
    ...(schema === undefined ? {} : { schema: openApiSchema(schema, "output") }),
  });

/** Bearer auth plus the error responses every authenticated route can give. */
export const DocAuthenticated = (): ClassDecorator & MethodDecorator =>
  applyDecorators(
    ApiBearerAuth(),
    ApiResponse({ status: 400, description: "invalid_input", schema: ERROR_SCHEMA }),
    ApiResponse({ status: 401, description: "unauthenticated", schema: ERROR_SCHEMA }),
    ApiResponse({ status: 403, description: "permission_denied", schema: ERROR_SCHEMA }),
    ApiResponse({ status: 404, description: "not_found", schema: ERROR_SCHEMA }),
  );
