import type { Connection, ConnectionOptions, Credential } from "../http/schemas";
import { renderDetails } from "../output/details";
import { type Column, renderTable } from "../output/table";
import { orDash } from "../output/text";
import { formatTimestamp } from "../output/time";

export function connectionTable(connections: readonly Connection[]): string {
  const columns: Column<Connection>[] = [
    { header: "NAME", value: (c) => c.name },
    { header: "TYPE", value: (c) => c.type },
    { header: "CONNECTOR", value: (c) => c.connector.name },
    { header: "TARGET", value: targetLabel },
    { header: "USER", value: (c) => orDash(c.username) },
    { header: "CREDENTIAL", value: (c) => credentialLabel(c.credential) },
    { header: "TAGS", value: (c) => orDash(tagsLabel(c.tags, ",")) },
  ];
  return renderTable(columns, connections);
}

export function connectionDetails(c: Connection, now: Date): string {
  return renderDetails([
    ["Name", c.name],
    ["ID", c.id],
    ["Type", c.type],
    ["Connector", c.connector.name],
    ["Target", targetLabel(c)],
    ["Database", orDash(c.database)],
    ["User", orDash(c.username)],
    ["Credential", credentialDescription(c.credential)],
    ["TLS mode", c.options?.sslmode ?? "prefer"],
    ["TLS CA", rootCertLabel(c.options)],
    ["TLS name", c.options?.sslservername ?? `${c.host} (the host)`],
    ["Tags", orDash(tagsLabel(c.tags, ", "))],
    ["Created", formatTimestamp(c.createdAt, now)],
    ["Updated", formatTimestamp(c.updatedAt, now)],
  ]);
}

/** `host:port/db`, with IPv6 hosts in brackets. */
export function targetLabel(c: Pick<Connection, "host" | "port" | "database">): string {
  const host = c.host.includes(":") ? `[${c.host}]` : c.host;
  return `${host}:${c.port}${c.database ? `/${c.database}` : ""}`;
}

/** Where the target password comes from; never the password. */
export function credentialLabel(credential: Credential): string {
  if (credential.source === "connector_env") return `connector env ${credential.envRef ?? "?"}`;
  return credential.source;
}

function credentialDescription(credential: Credential): string {
  switch (credential.source) {
    case "none":
      return "none (the target needs no password)";
    case "stored":
      return "stored (encrypted by the control plane, sent only to the connector)";
    case "connector_env":
      return `connector env ${credential.envRef ?? "?"} (read by the connector from its environment)`;
    default:
      return credential.source;
  }
}

/** Which CAs the connector trusts for this target; the PEM itself only with --output json. */
export function rootCertLabel(options: ConnectionOptions | null | undefined): string {
  const pem = options?.sslrootcert;
  if (pem === null || pem === undefined || pem === "") return "the connector's system roots";
  const count = pem.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
  return `${count} certificate${count === 1 ? "" : "s"} (PEM; shown with --output json)`;
}

export function tagsLabel(
  tags: Record<string, string> | null | undefined,
  separator: string,
): string {
  return Object.entries(tags ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${value}`)
    .join(separator);
}
