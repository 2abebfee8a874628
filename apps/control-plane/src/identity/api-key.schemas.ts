import { z } from "zod";
import { Name, NullableTimestamp, Timestamp, Uuid } from "../validation/common.schemas";

export const MAX_KEY_CONNECTIONS = 50;

/** Connection names a key may open sessions on: duplicates dropped, sorted; empty: any. */
const KeyConnections = z
  .array(Name)
  .max(MAX_KEY_CONNECTIONS, { error: `at most ${MAX_KEY_CONNECTIONS} connections` })
  .transform((names) => [...new Set(names)].sort())
  .describe("connection names the key may open sessions on; empty or absent: no restriction");

export const CreateApiKeyBody = z.strictObject({
  name: Name,
  expiresInDays: z
    .int({ error: "must be a whole number of days from 1 to 3650" })
    .min(1, { error: "must be a whole number of days from 1 to 3650" })
    .max(3650, { error: "must be a whole number of days from 1 to 3650" })
    .optional(),
  /** Admins only: the name of the user who will hold the key. */
  user: z.string().min(1).max(200).optional(),
  connections: KeyConnections.default([]),
  scopes: z
    .array(z.literal("export", { error: 'the only scope is "export"' }))
    .max(1)
    .transform((v) => [...new Set(v)])
    .default([])
    .describe(
      '["export"]: the key may only pull the audit trail (export, verify), for a SIEM collector; its holder must be an auditor or admin',
    ),
});
export type CreateApiKeyBody = z.output<typeof CreateApiKeyBody>;

export const ApiKeyIdParam = Uuid;

export const ApiKeyView = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  userId: z.uuid(),
  userName: z.string(),
  /** Sorted; empty: the key may open sessions on any connection its policies allow. */
  connections: z.array(z.string()),
  /** ["export"]: export-only; empty: whatever the holder's role allows. */
  scopes: z.array(z.string()),
  createdAt: Timestamp,
  expiresAt: NullableTimestamp,
  revokedAt: NullableTimestamp,
  lastUsedAt: NullableTimestamp,
});
export type ApiKeyView = z.output<typeof ApiKeyView>;

export const ApiKeyList = z.object({ items: z.array(ApiKeyView) });
export type ApiKeyList = z.output<typeof ApiKeyList>;

export const CreatedApiKey = z.object({
  apiKey: ApiKeyView,
  /** The whole key, shown once. */
  key: z.string(),
});
export type CreatedApiKey = z.output<typeof CreatedApiKey>;
