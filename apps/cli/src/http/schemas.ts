import { z } from "zod";

/**
 * The REST contract's response shapes (docs/design/0001-foundation.md). Resources are loose
 * objects so `--output json` passes on fields a newer control plane adds; fields the CLI only
 * displays accept null as well as absence. The one exception is `credential`: it is a strict
 * pick of the documented fields, so no secret can ever be echoed even if a server sent one.
 */
const timestamp = z.string();
const optionalTimestamp = z.string().nullish();

export const WhoamiSchema = z.looseObject({
  user: z.looseObject({
    id: z.string(),
    name: z.string(),
    kind: z.string(),
    role: z.string(),
  }),
  groups: z.array(z.union([z.string(), z.looseObject({ name: z.string() })])).default([]),
  authMethod: z.string(),
});
export type Whoami = z.infer<typeof WhoamiSchema>;

export const ConnectorSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  version: z.string().nullish(),
  hostname: z.string().nullish(),
  capabilities: z.array(z.string()).nullish(),
  connectedAt: optionalTimestamp,
  lastHeartbeatAt: optionalTimestamp,
  disconnectedAt: optionalTimestamp,
  createdAt: timestamp,
});
export type Connector = z.infer<typeof ConnectorSchema>;

export const ConnectorTokenInfoSchema = z.looseObject({
  id: z.string(),
  prefix: z.string(),
  createdAt: timestamp,
  revokedAt: optionalTimestamp,
  lastUsedAt: optionalTimestamp,
});
export type ConnectorTokenInfo = z.infer<typeof ConnectorTokenInfoSchema>;

export const CreatedConnectorSchema = z.object({ connector: ConnectorSchema, token: z.string() });
export const CreatedConnectorTokenSchema = z.object({
  tokenInfo: ConnectorTokenInfoSchema,
  token: z.string(),
});

/** Only the source and, for connector_env, the variable name: never a password. */
export const CredentialSchema = z.object({
  source: z.string(),
  envRef: z.string().optional(),
});
export type Credential = z.infer<typeof CredentialSchema>;

export const ConnectionSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  connector: z.looseObject({ id: z.string(), name: z.string() }),
  host: z.string(),
  port: z.number(),
  database: z.string().nullish(),
  username: z.string().nullish(),
  tags: z.record(z.string(), z.string()).nullish(),
  credential: CredentialSchema,
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type Connection = z.infer<typeof ConnectionSchema>;

export function itemsOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item) });
}

/** Request body of POST /connections (and, all fields optional, PATCH). */
export interface ConnectionInput {
  name: string;
  type: "postgres";
  connector: string;
  host: string;
  port: number;
  database?: string;
  username?: string;
  tags?: Record<string, string>;
  credential?: CredentialInput;
}
/** PATCH body: any subset; `null` clears database or username; tags and credential are replaced whole. */
export type ConnectionPatch = Partial<Omit<ConnectionInput, "database" | "username">> & {
  database?: string | null;
  username?: string | null;
};

export type CredentialInput =
  | { source: "none" }
  | { source: "stored"; password: string }
  | { source: "connector_env"; envRef: string };
