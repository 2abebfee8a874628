import { z } from "zod";

export const WhoAmI = z.object({
  user: z.object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(["human", "service_account"]),
    role: z.enum(["admin", "auditor", "user"]),
    displayName: z.string().nullable(),
    email: z.string().nullable(),
  }),
  /** Service accounts: the human accountable for it, who sees its reviews. */
  owner: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  groups: z.array(z.string()),
  authMethod: z.enum(["api_key", "oidc"]),
  /** Review rules (`policy/rule`) and elevation roles the caller's groups may approve. */
  approves: z.array(z.string()),
  /** Policies whose subjects include the caller. */
  policies: z.array(z.string()),
  loginSession: z.object({ id: z.uuid(), expiresAt: z.iso.datetime() }).nullable(),
  apiKey: z
    .object({
      id: z.uuid(),
      connections: z.array(z.string()),
      expiresAt: z.iso.datetime().nullable(),
    })
    .nullable(),
});
export type WhoAmI = z.output<typeof WhoAmI>;

export const TestMappingBody = z.strictObject({
  claims: z
    .record(z.string(), z.unknown(), { error: "must be an object of ID token claims" })
    .refine((c) => JSON.stringify(c).length <= 64 * 1024, {
      error: "must be at most 64 KiB of JSON",
    }),
  connection: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, { error: "must be a connection name" })
    .optional(),
});
export type TestMappingBody = z.output<typeof TestMappingBody>;

export const TestMappingResult = z.object({
  user: z.object({
    name: z.string().nullable(),
    nameClaim: z.string().nullable(),
    email: z.string().nullable(),
    kind: z.literal("human"),
  }),
  idpGroups: z.array(z.string()),
  groups: z.array(z.string()),
  matches: z.array(z.object({ idpGroup: z.string(), rule: z.string(), group: z.string() })),
  role: z.enum(["admin", "auditor", "user"]),
  policies: z.array(z.object({ name: z.string(), elevationRole: z.string().optional() })),
  approves: z.array(z.string()),
  mapping: z.object({ source: z.string(), groupsClaim: z.string(), usernameClaim: z.string() }),
  /** Why this user could not log in as things stand, or null. */
  problem: z.string().nullable(),
});
export type TestMappingResult = z.output<typeof TestMappingResult>;
