// Validates one body, param or query value against a zod schema; the parsed
// (typed, defaulted) value replaces the raw one.
import { type ArgumentMetadata, Injectable, type PipeTransform } from "@nestjs/common";
import type { z } from "zod";
import { InvalidInput } from "../errors/domain-errors";
import { friendlyErrors, toInvalidInput } from "./zod-issues";

@Injectable()
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.output<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.output<T> {
    if (metadata.type === "body" && value === undefined) {
      throw new InvalidInput("body: expected a JSON object (send Content-Type: application/json)");
    }
    const result = this.schema.safeParse(value, { error: friendlyErrors });
    if (result.success) return result.data;
    const location =
      metadata.type === "param" ? "params" : metadata.type === "custom" ? "input" : metadata.type;
    const basePath = metadata.type !== "body" && metadata.data !== undefined ? [metadata.data] : [];
    throw toInvalidInput(result.error, location, basePath);
  }
}
