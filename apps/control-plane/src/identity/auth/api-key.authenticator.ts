// API key authentication: `Authorization: Bearer alk_key_<id>_<secret>`.
// Messages say what is wrong with the key, never echo it.
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { ROOT_LOGGER } from "../../config/config.tokens";
import { Unauthenticated } from "../../errors/domain-errors";
import { parseToken, secretMatches } from "../../security/secret-token";
import { ApiKeyRepository } from "../api-key.repository";
import { lastUsedIsStale } from "../../security/last-used";
import type { Principal } from "./principal";

@Injectable()
export class ApiKeyAuthenticator {
  private readonly logger: Logger;

  constructor(
    private readonly keys: ApiKeyRepository,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: "auth" });
  }

  /** Authenticates a bare API key. */
  async authenticateToken(token: string): Promise<Principal> {
    const parsed = parseToken("key", token);
    if (parsed === undefined) {
      throw new Unauthenticated("API key is malformed: expected alk_key_<id>_<secret>");
    }
    const row = await this.keys.findByPrefix(parsed.prefix);
    if (row === null || !secretMatches(row.secretHash, parsed.secretHash)) {
      throw new Unauthenticated("API key is invalid");
    }
    const now = new Date();
    if (row.revokedAt !== null) throw new Unauthenticated("API key is revoked");
    if (row.expiresAt !== null && row.expiresAt <= now) {
      throw new Unauthenticated(`API key expired at ${row.expiresAt.toISOString()}`);
    }
    if (row.user.disabledAt !== null)
      throw new Unauthenticated("the user holding this API key is disabled");
    if (lastUsedIsStale(row.lastUsedAt, now)) this.touch(row.id, now);
    return {
      userId: row.user.id,
      userName: row.user.name,
      kind: row.user.kind,
      role: row.user.role,
      authMethod: "api_key",
      apiKeyId: row.id,
      loginSessionId: null,
      connections: row.connections,
      scopes: row.scopes,
    };
  }

  /** Fire and forget: a failed lastUsedAt write must not fail the request. */
  private touch(id: string, at: Date): void {
    this.keys.touchLastUsed(id, at).catch((err: unknown) => {
      this.logger.warn({ err, apiKeyId: id }, "could not record API key use");
    });
  }
}
