// What a connection's audit events say about it (docs/design/0010-audit.md): its settings,
// and for the credential only its source (none, stored, connector_env): never a password,
// and no environment variable name either. Pure.
import { fieldDiff } from "../audit/field-diff";
import type { ConnectionView } from "./connection.schemas";

/** The settings an auditor sees in connection.created. */
export function createdData(view: ConnectionView): Record<string, unknown> {
  return {
    id: view.id,
    type: view.type,
    connector: view.connector.name,
    host: view.host,
    port: view.port,
    database: view.database,
    username: view.username,
    tags: view.tags,
    credential: view.credential.source,
    sslmode: view.options.sslmode,
  };
}

/** A CA certificate is not secret but long: its change is named, its PEM left out. */
const NAMED_ONLY = new Set(["options.sslrootcert"]);

/**
 * What connection.changed says: the names of the fields that differ (`credential` when a
 * credential was given: it is replaced even if equal), and their old and new values
 * except the credential's and a CA certificate's. Empty `changed`: nothing changed.
 */
export function changedData(
  before: ConnectionView,
  after: ConnectionView,
  credentialGiven: boolean,
): { changed: string[]; data: Record<string, unknown> } {
  const { changed, from, to } = fieldDiff(comparable(before), comparable(after), NAMED_ONLY);
  if (credentialGiven) changed.push("credential");
  const data: Record<string, unknown> = { id: after.id, changed, from, to };
  if (credentialGiven) data["credential"] = after.credential.source;
  return { changed, data };
}

/** The settings compared, tags with sorted keys (their order means nothing). */
function comparable(view: ConnectionView): Record<string, unknown> {
  return {
    name: view.name,
    type: view.type,
    connector: view.connector.name,
    host: view.host,
    port: view.port,
    database: view.database,
    username: view.username,
    tags: Object.fromEntries(Object.entries(view.tags).sort(([a], [b]) => a.localeCompare(b))),
    "options.sslmode": view.options.sslmode,
    "options.sslrootcert": view.options.sslrootcert,
    "options.sslservername": view.options.sslservername,
  };
}
