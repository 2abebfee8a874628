import { z } from "zod";
import { ReviewSchema } from "./approval-schemas";

/**
 * The REST contract's response shapes (docs/design/0001-foundation.md). Resources are loose
 * objects so `--output json` passes on fields a newer control plane adds; fields the CLI only
 * displays accept null as well as absence. The one exception is `credential`: it is a strict
 * pick of the documented fields, so no secret can ever be echoed even if a server sent one.
 */
const timestamp = z.string();
const optionalTimestamp = z.string().nullish();

/**
 * `GET /identity/whoami`. The fields after `authMethod` came with OIDC login (0009) and are
 * read leniently: absent from older control planes, and a malformed one is dropped rather
 * than failing the command.
 */
export const WhoamiSchema = z.looseObject({
  user: z.looseObject({
    id: z.string(),
    name: z.string(),
    kind: z.string(),
    role: z.string(),
    displayName: z.string().nullish().catch(undefined),
    email: z.string().nullish().catch(undefined),
  }),
  groups: z.array(z.union([z.string(), z.looseObject({ name: z.string() })])).default([]),
  authMethod: z.string(),
  /** The human accountable for a service account. */
  owner: z.looseObject({ id: z.string(), name: z.string() }).nullish().catch(undefined),
  /** Policy/rule references whose approver groups the caller is in. */
  approves: z.array(z.string()).nullish().catch(undefined),
  /** With authMethod oidc: the login session behind the access token. */
  loginSession: z.looseObject({ id: z.string(), expiresAt: z.string() }).nullish().catch(undefined),
  /** With authMethod api_key: the key's scope (no connections: any) and expiry. */
  apiKey: z
    .looseObject({
      id: z.string(),
      connections: z.array(z.string()).default([]),
      expiresAt: z.string().nullish(),
    })
    .nullish()
    .catch(undefined),
});
export type Whoami = z.infer<typeof WhoamiSchema>;

/** `User` of the users API: a user with their groups (sorted by name). */
export const UserSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  displayName: z.string().nullish(),
  kind: z.string(),
  role: z.string(),
  /** The human accountable for a service account. */
  owner: z.looseObject({ id: z.string(), name: z.string() }).nullish(),
  groups: z.array(z.string()).default([]),
  disabledAt: optionalTimestamp,
  createdAt: timestamp,
});
export type User = z.infer<typeof UserSchema>;

export type UserRole = "admin" | "auditor" | "user";
export type UserKind = "human" | "service_account";

/** Body of POST /users; the server defaults role to user, kind to human, groups to none. */
export interface UserInput {
  name: string;
  role?: UserRole;
  kind?: UserKind;
  groups?: string[];
  displayName?: string;
  /** Required for a service account: a human user's name. */
  owner?: string;
}

/** Body of PATCH /users/:name: any subset; `groups` replaces the set; null clears displayName. */
export interface UserPatch {
  role?: UserRole;
  groups?: string[];
  displayName?: string | null;
  disabled?: boolean;
  owner?: string;
}

/** An API key's record (never its secret). */
export const ApiKeySchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  userName: z.string(),
  /** Connections the key may open sessions on; empty: any. */
  connections: z.array(z.string()).default([]),
  /** ["export"]: the key may only pull and verify the audit trail. */
  scopes: z.array(z.string()).default([]),
  createdAt: timestamp.optional(),
  expiresAt: optionalTimestamp,
  revokedAt: optionalTimestamp,
  lastUsedAt: optionalTimestamp,
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

/** Body of POST /api-keys. */
export interface ApiKeyInput {
  name: string;
  /** Admins only: the holder's name. */
  user?: string;
  expiresInDays?: number;
  connections?: string[];
  scopes?: string[];
}

/** POST /api-keys and /api-keys/:id/rotate: the key's record and the whole key, shown once. */
export const CreatedApiKeySchema = z.object({
  apiKey: ApiKeySchema,
  key: z.string(),
});
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;

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

/** Postgres TLS settings toward the target; a CA certificate is not secret. */
export const ConnectionOptionsSchema = z.looseObject({
  sslmode: z.string().nullish(),
  sslrootcert: z.string().nullish(),
  sslservername: z.string().nullish(),
});
export type ConnectionOptions = z.infer<typeof ConnectionOptionsSchema>;

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
  /** TLS settings toward the target; absent from control planes older than the postgres path. */
  options: ConnectionOptionsSchema.nullish(),
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
  options?: ConnectionOptionsInput;
}
/**
 * PATCH body: any subset; `null` clears database or username; tags and credential are
 * replaced whole; options are merged key by key (`null` clears sslrootcert or sslservername).
 */
export type ConnectionPatch = Partial<Omit<ConnectionInput, "database" | "username">> & {
  database?: string | null;
  username?: string | null;
};

export type SslMode = "disable" | "prefer" | "require" | "verify-full";
/** Postgres TLS settings toward the target; sslrootcert is the PEM text (not a path). */
export interface ConnectionOptionsInput {
  sslmode?: SslMode;
  sslrootcert?: string;
  sslservername?: string;
}

export type CredentialInput =
  | { source: "none" }
  | { source: "stored"; password: string }
  | { source: "connector_env"; envRef: string };

/** `Session` of the sessions API (docs/design/0002-postgres-path.md). */
export const SessionSchema = z.looseObject({
  id: z.string(),
  user: z.looseObject({ id: z.string(), name: z.string(), kind: z.string().nullish() }),
  // The name is kept when the connection or connector is deleted; the id may then be null.
  connection: z.looseObject({ id: z.string().nullish(), name: z.string() }).nullish(),
  connector: z.looseObject({ id: z.string().nullish(), name: z.string().nullish() }).nullish(),
  protocol: z.string(),
  clientAddress: z.string().nullish(),
  status: z.string(),
  startedAt: timestamp,
  endedAt: optionalTimestamp,
  closeCode: z.string().nullish(),
  closeReason: z.string().nullish(),
  commandCount: z.number().nullish(),
});
export type Session = z.infer<typeof SessionSchema>;

/** `Command` of the sessions API: one recorded command of a session. */
export const SessionCommandSchema = z.looseObject({
  seq: z.number(),
  protocol: z.string(),
  sql: z.string(),
  // Extended protocol: text values as strings, binary ones as {"hex": "…"}.
  params: z.array(z.unknown()).nullish(),
  decision: z.string(),
  ruleIds: z.array(z.string()).nullish(),
  reasons: z.array(z.string()).nullish(),
  status: z.string(),
  receivedAt: timestamp,
  completedAt: optionalTimestamp,
  durationMs: z.number().nullish(),
  rowCount: z.number().nullish(),
  commandTag: z.string().nullish(),
  errorCode: z.string().nullish(),
  errorMessage: z.string().nullish(),
  copyDirection: z.string().nullish(),
  copyBytes: z.number().nullish(),
  reviewId: z.string().nullish(),
  maskCounts: z.record(z.string(), z.number()).nullish(),
  resultSample: z
    .looseObject({
      columns: z.array(z.string()),
      rows: z.array(z.array(z.unknown())),
      copyLines: z.array(z.string()).optional(),
      truncated: z.boolean(),
    })
    .nullish(),
});
export type SessionCommand = z.infer<typeof SessionCommandSchema>;

export const SessionDetailSchema = SessionSchema.extend({
  commands: z.array(SessionCommandSchema),
  /** The approval trail of the session's held commands (absent from older control planes). */
  reviews: z.array(ReviewSchema).optional(),
});
export type SessionDetail = z.infer<typeof SessionDetailSchema>;

export const SessionPageSchema = z.object({
  items: z.array(SessionSchema),
  nextCursor: z.string().nullish(),
});
export type SessionPage = z.infer<typeof SessionPageSchema>;

/** Query of GET /sessions; `from`/`to` are ISO times, paging is keyset through `cursor`. */
export interface SessionQuery {
  user?: string;
  connection?: string;
  status?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

const PolicyAuthorSchema = z.looseObject({ id: z.string().nullish(), name: z.string() });
const PolicyDocumentSchema = z.record(z.string(), z.unknown());

/** An item of GET /policies: a policy in force and its current version. */
export const PolicySummarySchema = z.looseObject({
  name: z.string(),
  description: z.string().nullish(),
  currentVersion: z.number(),
  ruleCount: z.number().nullish(),
  subjects: PolicyDocumentSchema.nullish(),
  resources: PolicyDocumentSchema.nullish(),
  updatedAt: timestamp,
  author: PolicyAuthorSchema.nullish(),
});
export type PolicySummary = z.infer<typeof PolicySummarySchema>;

/** One version of a policy (GET /policies/:name/versions). */
export const PolicyVersionSchema = z.looseObject({
  version: z.number(),
  createdAt: timestamp,
  author: PolicyAuthorSchema.nullish(),
  comment: z.string().nullish(),
  deleted: z.boolean().nullish(),
  sourceFormat: z.string().nullish(),
  ruleCount: z.number().nullish(),
});
export type PolicyVersion = z.infer<typeof PolicyVersionSchema>;

export const PolicyVersionListSchema = z.looseObject({
  name: z.string(),
  currentVersion: z.number(),
  deleted: z.boolean().nullish(),
  items: z.array(PolicyVersionSchema),
});
export type PolicyVersionList = z.infer<typeof PolicyVersionListSchema>;

/** GET /policies/:name[?version=N]: one version with its document and the text as applied. */
export const PolicyDetailSchema = PolicyVersionSchema.extend({
  name: z.string(),
  currentVersion: z.number(),
  document: PolicyDocumentSchema,
  sourceText: z.string(),
  updatedAt: timestamp.nullish(),
});
export type PolicyDetail = z.infer<typeof PolicyDetailSchema>;

/** PUT /policies/:name. */
export const ApplyResultSchema = z.looseObject({
  name: z.string(),
  version: z.number(),
  changed: z.boolean(),
  created: z.boolean().nullish(),
  dryRun: z.boolean().nullish(),
});
export type ApplyResult = z.infer<typeof ApplyResultSchema>;

/** What policy-core found in one statement (only the fields the CLI shows are named). */
export const StatementFactsSchema = z.looseObject({
  kind: z.string(),
  kinds: z.array(z.string()).nullish(),
  relationsRead: z.array(z.string()).nullish(),
  relationsWritten: z.array(z.string()).nullish(),
  functions: z.array(z.string()).nullish(),
  withoutWhere: z.boolean().nullish(),
  opaque: z.boolean().nullish(),
  opaqueReason: z.string().nullish(),
  text: z.string().nullish(),
});
export type StatementFacts = z.infer<typeof StatementFactsSchema>;

/** POST /policies/simulate. */
export const SimulationSchema = z.looseObject({
  decision: z.looseObject({
    action: z.string(),
    matchedRuleIds: z.array(z.string()).default([]),
    reasons: z.array(z.string()).default([]),
    review: z
      .looseObject({
        approvers: z.array(z.string()).nullish(),
        minApprovals: z.number().nullish(),
        timeoutMs: z.number().nullish(),
      })
      .nullish(),
    mask: z.array(z.unknown()).default([]),
  }),
  facts: z
    .looseObject({
      statements: z.array(StatementFactsSchema).default([]),
      error: z.string().nullish(),
    })
    .nullish(),
  policies: z.array(z.string()).default([]),
  subject: z
    .looseObject({
      user: z.string().nullish(),
      groups: z.array(z.string()).nullish(),
      kind: z.string().nullish(),
    })
    .nullish(),
  connection: z
    .looseObject({ name: z.string(), tags: z.record(z.string(), z.string()).nullish() })
    .nullish(),
  policyVersion: z.number().nullish(),
});
export type Simulation = z.infer<typeof SimulationSchema>;

/** Body of POST /policies/simulate. */
export interface SimulationInput {
  user?: string;
  groups?: string[];
  connection: string;
  command: string;
  searchPath?: string[];
}
