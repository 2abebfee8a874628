import { z } from "zod";
import type { ApiClient, RawBody } from "./api-client";
import {
  type Grant,
  GrantListSchema,
  type GrantQuery,
  type GrantRequestInput,
  type Review,
  type ReviewDetail,
  ReviewDetailSchema,
  ReviewListSchema,
  type ReviewQuery,
  ReviewSchema,
} from "./approval-schemas";
import {
  type ApplyResult,
  ApplyResultSchema,
  type Connection,
  type ConnectionInput,
  type ConnectionPatch,
  ConnectionSchema,
  type Connector,
  ConnectorSchema,
  type ConnectorTokenInfo,
  ConnectorTokenInfoSchema,
  type ApiKey,
  type ApiKeyInput,
  ApiKeySchema,
  type CreatedApiKey,
  CreatedApiKeySchema,
  CreatedConnectorSchema,
  CreatedConnectorTokenSchema,
  itemsOf,
  type PolicyDetail,
  PolicyDetailSchema,
  type PolicySummary,
  PolicySummarySchema,
  type PolicyVersionList,
  PolicyVersionListSchema,
  type SessionDetail,
  SessionDetailSchema,
  type SessionPage,
  SessionPageSchema,
  type SessionQuery,
  type Simulation,
  type SimulationInput,
  SimulationSchema,
  type User,
  type UserInput,
  type UserPatch,
  UserSchema,
  type Whoami,
  WhoamiSchema,
} from "./schemas";

const seg = encodeURIComponent;

/** `?a=1&b=2` from the defined values, or "" when there are none. */
function searchOf(query: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  return params.size > 0 ? `?${params.toString()}` : "";
}

/** One method per REST endpoint the CLI uses; paths and shapes follow the contract. */
export class AirlockApi {
  constructor(readonly http: ApiClient) {}

  whoami(): Promise<Whoami> {
    return this.http.get("/api/v1/identity/whoami", WhoamiSchema);
  }

  async listUsers(): Promise<User[]> {
    return (await this.http.get("/api/v1/users", itemsOf(UserSchema))).items;
  }

  createUser(input: UserInput): Promise<User> {
    return this.http.post("/api/v1/users", input, UserSchema);
  }

  getUser(name: string): Promise<User> {
    return this.http.get(`/api/v1/users/${seg(name)}`, UserSchema);
  }

  updateUser(name: string, patch: UserPatch): Promise<User> {
    return this.http.patch(`/api/v1/users/${seg(name)}`, patch, UserSchema);
  }

  /** An API key named `name`; admins may give it to another `user`. The key is shown once. */
  createApiKey(name: string, user?: string): Promise<CreatedApiKey> {
    return this.createApiKeyWith(user === undefined ? { name } : { name, user });
  }

  createApiKeyWith(input: ApiKeyInput): Promise<CreatedApiKey> {
    return this.http.post("/api/v1/api-keys", input, CreatedApiKeySchema);
  }

  /** Your keys; admins get every key. */
  async listApiKeys(): Promise<ApiKey[]> {
    return (await this.http.get("/api/v1/api-keys", itemsOf(ApiKeySchema))).items;
  }

  revokeApiKey(id: string): Promise<void> {
    return this.http.delete(`/api/v1/api-keys/${seg(id)}`);
  }

  /** A new key replacing `id` (which is revoked); the new key is shown once. */
  rotateApiKey(id: string): Promise<CreatedApiKey> {
    return this.http.post(`/api/v1/api-keys/${seg(id)}/rotate`, {}, CreatedApiKeySchema);
  }

  async listConnectors(): Promise<Connector[]> {
    return (await this.http.get("/api/v1/connectors", itemsOf(ConnectorSchema))).items;
  }

  createConnector(name: string): Promise<{ connector: Connector; token: string }> {
    return this.http.post("/api/v1/connectors", { name }, CreatedConnectorSchema);
  }

  getConnector(idOrName: string): Promise<Connector> {
    return this.http.get(`/api/v1/connectors/${seg(idOrName)}`, ConnectorSchema);
  }

  deleteConnector(idOrName: string): Promise<void> {
    return this.http.delete(`/api/v1/connectors/${seg(idOrName)}`);
  }

  async listConnectorTokens(connector: string): Promise<ConnectorTokenInfo[]> {
    const path = `/api/v1/connectors/${seg(connector)}/tokens`;
    return (await this.http.get(path, itemsOf(ConnectorTokenInfoSchema))).items;
  }

  createConnectorToken(
    connector: string,
  ): Promise<{ tokenInfo: ConnectorTokenInfo; token: string }> {
    return this.http.post(
      `/api/v1/connectors/${seg(connector)}/tokens`,
      {},
      CreatedConnectorTokenSchema,
    );
  }

  revokeConnectorToken(connector: string, tokenId: string): Promise<void> {
    return this.http.delete(`/api/v1/connectors/${seg(connector)}/tokens/${seg(tokenId)}`);
  }

  async listConnections(): Promise<Connection[]> {
    return (await this.http.get("/api/v1/connections", itemsOf(ConnectionSchema))).items;
  }

  createConnection(input: ConnectionInput): Promise<Connection> {
    return this.http.post("/api/v1/connections", input, ConnectionSchema);
  }

  getConnection(idOrName: string): Promise<Connection> {
    return this.http.get(`/api/v1/connections/${seg(idOrName)}`, ConnectionSchema);
  }

  updateConnection(idOrName: string, patch: ConnectionPatch): Promise<Connection> {
    return this.http.patch(`/api/v1/connections/${seg(idOrName)}`, patch, ConnectionSchema);
  }

  deleteConnection(idOrName: string): Promise<void> {
    return this.http.delete(`/api/v1/connections/${seg(idOrName)}`);
  }

  listSessions(query: SessionQuery): Promise<SessionPage> {
    return this.http.get(`/api/v1/sessions${searchOf(query)}`, SessionPageSchema);
  }

  getSession(id: string): Promise<SessionDetail> {
    return this.http.get(`/api/v1/sessions/${seg(id)}`, SessionDetailSchema);
  }

  async listPolicies(): Promise<PolicySummary[]> {
    return (await this.http.get("/api/v1/policies", itemsOf(PolicySummarySchema))).items;
  }

  getPolicy(name: string, version?: number): Promise<PolicyDetail> {
    const query = version === undefined ? "" : `?version=${version}`;
    return this.http.get(`/api/v1/policies/${seg(name)}${query}`, PolicyDetailSchema);
  }

  listPolicyVersions(name: string): Promise<PolicyVersionList> {
    return this.http.get(`/api/v1/policies/${seg(name)}/versions`, PolicyVersionListSchema);
  }

  /** The body is YAML text (RawBody) or `{document, comment?}`. */
  applyPolicy(
    name: string,
    body: RawBody | { document: unknown },
    options: { dryRun?: boolean; comment?: string } = {},
  ): Promise<ApplyResult> {
    const params = new URLSearchParams();
    if (options.dryRun === true) params.set("dryRun", "true");
    if (options.comment !== undefined) params.set("comment", options.comment);
    const search = params.size > 0 ? `?${params.toString()}` : "";
    return this.http.put(`/api/v1/policies/${seg(name)}${search}`, body, ApplyResultSchema);
  }

  deletePolicy(name: string): Promise<void> {
    return this.http.delete(`/api/v1/policies/${seg(name)}`);
  }

  simulatePolicy(input: SimulationInput): Promise<Simulation> {
    return this.http.post("/api/v1/policies/simulate", input, SimulationSchema);
  }

  async listReviews(query: ReviewQuery): Promise<Review[]> {
    return (await this.http.get(`/api/v1/reviews${searchOf(query)}`, ReviewListSchema)).items;
  }

  getReview(id: string): Promise<ReviewDetail> {
    return this.http.get(`/api/v1/reviews/${seg(id)}`, ReviewDetailSchema);
  }

  approveReview(id: string, body: { reason?: string; breakGlass?: boolean }): Promise<Review> {
    return this.http.post(`/api/v1/reviews/${seg(id)}/approve`, body, ReviewSchema);
  }

  rejectReview(id: string, body: { reason: string }): Promise<Review> {
    return this.http.post(`/api/v1/reviews/${seg(id)}/reject`, body, ReviewSchema);
  }

  /** 201 with the grant review that people must approve. */
  requestGrant(body: GrantRequestInput): Promise<Review> {
    return this.http.post("/api/v1/grants/requests", body, ReviewSchema);
  }

  async listGrants(query: GrantQuery): Promise<Grant[]> {
    return (await this.http.get(`/api/v1/grants${searchOf(query)}`, GrantListSchema)).items;
  }

  /** The answer is the revoked grant; anything else that parses as JSON is accepted. */
  revokeGrant(id: string, body: { reason: string }): Promise<unknown> {
    return this.http.post(`/api/v1/grants/${seg(id)}/revoke`, body, z.unknown());
  }
}
