// A connector's status, from what the control plane wrote to Postgres
// (docs/design/0001-foundation.md, "Connector status"). Pure.

export type ConnectorStatus = "online" | "offline" | "never_connected";

/** Missed heartbeats after which a connected connector counts as offline. */
export const MISSED_HEARTBEATS_OFFLINE = 3;

export interface ConnectionFacts {
  connectedAt: Date | null;
  lastHeartbeatAt: Date | null;
  disconnectedAt: Date | null;
}

export function connectorStatus(
  facts: ConnectionFacts,
  now: Date,
  heartbeatIntervalMs: number,
): ConnectorStatus {
  if (facts.connectedAt === null) return "never_connected";
  if (facts.disconnectedAt !== null && facts.disconnectedAt >= facts.connectedAt) return "offline";
  if (facts.lastHeartbeatAt === null) return "offline";
  const age = now.getTime() - facts.lastHeartbeatAt.getTime();
  return age < MISSED_HEARTBEATS_OFFLINE * heartbeatIntervalMs ? "online" : "offline";
}
