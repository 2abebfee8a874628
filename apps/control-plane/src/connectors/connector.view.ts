import { iso } from "../validation/common.schemas";
import type { ConnectorTokenRecord } from "./connector-token.repository";
import type { ConnectorRecord } from "./connector.repository";
import type { ConnectorTokenInfo, ConnectorView } from "./connector.schemas";
import { connectorStatus } from "./connector-status";

export function toConnectorView(
  row: ConnectorRecord,
  now: Date,
  heartbeatIntervalMs: number,
): ConnectorView {
  return {
    id: row.id,
    name: row.name,
    status: connectorStatus(row, now, heartbeatIntervalMs),
    version: row.version,
    hostname: row.hostname,
    capabilities: row.capabilities,
    connectedAt: iso(row.connectedAt),
    lastHeartbeatAt: iso(row.lastHeartbeatAt),
    disconnectedAt: iso(row.disconnectedAt),
    createdAt: iso(row.createdAt),
  };
}

/** Never the secret or its hash. */
export function toTokenInfo(row: ConnectorTokenRecord): ConnectorTokenInfo {
  return {
    id: row.id,
    prefix: row.prefix,
    createdAt: iso(row.createdAt),
    revokedAt: iso(row.revokedAt),
    lastUsedAt: iso(row.lastUsedAt),
  };
}
