// Shapes shared by several resources.
import { z } from "zod";

export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const NAME_RULE =
  "1 to 63 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit";

/** A connector, connection or key name. */
export const Name = z.string().regex(NAME_PATTERN, { error: `must be ${NAME_RULE}` });

export const Uuid = z.string().regex(UUID_PATTERN, { error: "must be a UUID" });

/** `:idOrName` path parameters: a UUID or a name. */
export const IdOrName = z.string().refine((v) => UUID_PATTERN.test(v) || NAME_PATTERN.test(v), {
  error: `must be a UUID or a name (${NAME_RULE})`,
});

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

export const Timestamp = z.iso.datetime();
export const NullableTimestamp = Timestamp.nullable();

export const ErrorResponse = z.object({
  error: z.object({
    code: z.enum([
      "invalid_input",
      "unauthenticated",
      "permission_denied",
      "not_found",
      "conflict",
      "unavailable",
      "internal",
    ]),
    message: z.string(),
    field: z.string().optional(),
    /** Each problem of a document with several (a policy), also listed in `message`. */
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

export function iso(date: Date): string;
export function iso(date: Date | null): string | null;
export function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

/** A page size query value: a whole number from 1 to `max`. */
export function pageLimit(max: number) {
  const rule = `must be an integer from 1 to ${max}`;
  return z
    .string()
    .regex(/^\d{1,6}$/, { error: rule })
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, { error: rule });
}

/** An opaque paging cursor this API handed out, decoded (`decode` returns undefined if not). */
export function opaqueCursor<T>(decode: (value: string) => T | undefined) {
  return z.string().transform((value, ctx) => {
    const cursor = decode(value);
    if (cursor === undefined) {
      ctx.addIssue({
        code: "custom",
        message:
          "is not a cursor from this API; pass the nextCursor of the previous page unchanged, or leave it out to start again",
      });
      return z.NEVER;
    }
    return cursor;
  });
}
