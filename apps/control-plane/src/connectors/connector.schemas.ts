import { z } from "zod";
import { IdOrName, Name, NullableTimestamp, Timestamp, Uuid } from "../validation/common.schemas";

export const CreateConnectorBody = z.strictObject({ name: Name });
export type CreateConnectorBody = z.output<typeof CreateConnectorBody>;

export const ConnectorParam = IdOrName;
export const TokenIdParam = Uuid;

export const ConnectorView = z.object({
  id: z.uuid(),
  name: z.string(),
  status: z.enum(["online", "offline", "never_connected"]),
  version: z.string().nullable(),
  hostname: z.string().nullable(),
  capabilities: z.array(z.string()),
  connectedAt: NullableTimestamp,
  lastHeartbeatAt: NullableTimestamp,
  disconnectedAt: NullableTimestamp,
  createdAt: Timestamp,
});
export type ConnectorView = z.output<typeof ConnectorView>;

export const ConnectorList = z.object({ items: z.array(ConnectorView) });
export type ConnectorList = z.output<typeof ConnectorList>;

export const CreatedConnector = z.object({
  connector: ConnectorView,
  /** The connector token (alk_ctr_…), shown once. */
  token: z.string(),
});
export type CreatedConnector = z.output<typeof CreatedConnector>;

export const ConnectorTokenInfo = z.object({
  id: z.uuid(),
  prefix: z.string(),
  createdAt: Timestamp,
  revokedAt: NullableTimestamp,
  lastUsedAt: NullableTimestamp,
});
export type ConnectorTokenInfo = z.output<typeof ConnectorTokenInfo>;

export const ConnectorTokenList = z.object({ items: z.array(ConnectorTokenInfo) });
export type ConnectorTokenList = z.output<typeof ConnectorTokenList>;

export const IssuedConnectorToken = z.object({ tokenInfo: ConnectorTokenInfo, token: z.string() });
export type IssuedConnectorToken = z.output<typeof IssuedConnectorToken>;
