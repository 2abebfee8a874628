import { iso } from "../validation/common.schemas";
import type { ApiKeyView } from "./api-key.schemas";
import type { ApiKeyWithUser } from "./api-key.repository";

/** The API representation of a key: never its secret or hash. */
export function toApiKeyView(row: ApiKeyWithUser): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    userId: row.userId,
    userName: row.user.name,
    connections: row.connections,
    scopes: row.scopes,
    createdAt: iso(row.createdAt),
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
    lastUsedAt: iso(row.lastUsedAt),
  };
}
