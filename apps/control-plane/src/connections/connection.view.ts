import { iso } from "../validation/common.schemas";
import { optionsOf } from "./connection-options";
import type { ConnectionRecord } from "./connection.repository";
import type { ConnectionView, CredentialView } from "./connection.schemas";

/**
 * The API representation: the credential's source (and env var name), never the secret.
 * The options (TLS settings, a CA certificate) hold nothing secret.
 */
export function toConnectionView(row: ConnectionRecord): ConnectionView {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    connector: { id: row.connector.id, name: row.connector.name },
    host: row.host,
    port: row.port,
    database: row.database,
    username: row.username,
    tags: tagsOf(row.tags),
    credential: credentialView(row),
    options: optionsOf(row.options),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

function credentialView(row: ConnectionRecord): CredentialView {
  switch (row.credentialSource) {
    case "none":
      return { source: "none" };
    case "stored":
      return { source: "stored" };
    case "connector_env":
      return { source: "connector_env", envRef: row.credentialEnvRef ?? "" };
  }
}

/** Tags are written only through the API schema (string → string); anything else is dropped. */
export function tagsOf(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === "string") tags[k] = v;
  return tags;
}
