import type { ApiKey } from "../http/schemas";
import { renderDetails } from "../output/details";
import { type Column, renderTable } from "../output/table";
import { formatAge, formatTimestamp } from "../output/time";

export function apiKeyTable(keys: readonly ApiKey[], now: Date): string {
  const columns: Column<ApiKey>[] = [
    { header: "ID", value: (k) => k.id },
    { header: "NAME", value: (k) => k.name },
    { header: "USER", value: (k) => k.userName },
    { header: "CONNECTIONS", value: (k) => connectionsLabel(k) },
    { header: "STATUS", value: (k) => status(k, now) },
    { header: "LAST USED", value: (k) => (k.lastUsedAt ? formatAge(k.lastUsedAt, now) : "never") },
  ];
  return renderTable(columns, keys);
}

export function apiKeyDetails(k: ApiKey, now: Date): string {
  return renderDetails([
    ["ID", k.id],
    ["Name", k.name],
    ["User", k.userName],
    ["Prefix", k.prefix],
    ["Connections", connectionsLabel(k)],
    ...(k.scopes.length === 0 ? [] : [["Limited to", k.scopes.join(", ")] as [string, string]]),
    ["Expires", k.expiresAt ? formatTimestamp(k.expiresAt, now) : "never"],
    ["Status", status(k, now)],
  ]);
}

/** The whole key, printed once after create and rotate. */
export function keyBlock(userName: string, key: string): string {
  return [
    `API key for ${JSON.stringify(userName)} (shown once: it cannot be retrieved again, store it now):`,
    `  ${key}`,
    "",
    "Log in with it (the key is read from stdin):",
    "  airlock login --api-key -",
    "",
  ].join("\n");
}

function connectionsLabel(k: ApiKey): string {
  return k.connections.length === 0 ? "any" : k.connections.join(", ");
}

function status(k: ApiKey, now: Date): string {
  if (k.revokedAt) return "revoked";
  if (k.expiresAt && new Date(k.expiresAt) <= now) return "expired";
  return "active";
}
