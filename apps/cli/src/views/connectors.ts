import type { Connector, ConnectorTokenInfo } from "../http/schemas";
import { renderDetails } from "../output/details";
import { type Column, renderTable } from "../output/table";
import { orDash } from "../output/text";
import { formatAge, formatTimestamp } from "../output/time";

export function connectorTable(connectors: readonly Connector[], now: Date): string {
  const columns: Column<Connector>[] = [
    { header: "NAME", value: (c) => c.name },
    { header: "STATUS", value: (c) => statusLabel(c.status) },
    { header: "VERSION", value: (c) => orDash(c.version) },
    { header: "HOSTNAME", value: (c) => orDash(c.hostname) },
    { header: "LAST HEARTBEAT", value: (c) => formatAge(c.lastHeartbeatAt, now, "never") },
  ];
  return renderTable(columns, connectors);
}

export function connectorDetails(c: Connector, now: Date): string {
  return renderDetails([
    ["Name", c.name],
    ["ID", c.id],
    ["Status", statusLabel(c.status)],
    ["Version", orDash(c.version)],
    ["Hostname", orDash(c.hostname)],
    ["Capabilities", c.capabilities?.length ? c.capabilities.join(", ") : "-"],
    ["Connected", formatTimestamp(c.connectedAt, now)],
    ["Last heartbeat", formatTimestamp(c.lastHeartbeatAt, now)],
    ["Disconnected", formatTimestamp(c.disconnectedAt, now, "-")],
    ["Created", formatTimestamp(c.createdAt, now)],
  ]);
}

export function connectorTokenTable(tokens: readonly ConnectorTokenInfo[], now: Date): string {
  const columns: Column<ConnectorTokenInfo>[] = [
    { header: "ID", value: (t) => t.id },
    { header: "PREFIX", value: (t) => t.prefix },
    {
      header: "STATUS",
      value: (t) => (t.revokedAt ? `revoked ${formatAge(t.revokedAt, now)}` : "active"),
    },
    { header: "CREATED", value: (t) => formatAge(t.createdAt, now) },
    { header: "LAST USED", value: (t) => formatAge(t.lastUsedAt, now, "never") },
  ];
  return renderTable(columns, tokens);
}

/** `never_connected` reads better as `never connected`. */
function statusLabel(status: string): string {
  return status.replace(/_/g, " ");
}
