// Connector tokens: the tokens sub-resource, and authenticating a connector's
// gRPC calls. Revoking a token ends the control streams it authenticated.
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { AuditService } from "../audit/audit.service";
import { ROOT_LOGGER } from "../config/config.tokens";
import { NotFound, Unauthenticated } from "../errors/domain-errors";
import { auditActor, type Principal } from "../identity/auth/principal";
import { lastUsedIsStale } from "../security/last-used";
import { issueToken, parseToken, secretMatches } from "../security/secret-token";
import { ConnectorTokenRepository } from "./connector-token.repository";
import { type ConnectorRecord, ConnectorRepository } from "./connector.repository";
import type { ConnectorTokenInfo, IssuedConnectorToken } from "./connector.schemas";
import { toTokenInfo } from "./connector.view";
import { ControlRegistry } from "./tunnel/control-registry";

/** Who is behind a connector token. */
export interface ConnectorAuth {
  connectorId: string;
  connectorName: string;
  tokenId: string;
}

const INVALID_TOKEN =
  "connector token is invalid or revoked; issue a new one with `airlock admin connectors token create <name>`";

@Injectable()
export class ConnectorTokensService {
  private readonly logger: Logger;

  constructor(
    private readonly tokens: ConnectorTokenRepository,
    private readonly connectors: ConnectorRepository,
    private readonly registry: ControlRegistry,
    private readonly audit: AuditService,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: "connector-tokens" });
  }

  async list(idOrName: string): Promise<ConnectorTokenInfo[]> {
    const connector = await this.connector(idOrName);
    return (await this.tokens.list(connector.id)).map(toTokenInfo);
  }

  async issue(caller: Principal, idOrName: string): Promise<IssuedConnectorToken> {
    const connector = await this.connector(idOrName);
    const issued = issueToken("ctr");
    const row = await this.tokens.create({
      connectorId: connector.id,
      prefix: issued.prefix,
      secretHash: issued.secretHash,
    });
    await this.audit.record({
      code: "connector.token_created",
      outcome: "created",
      ...auditActor(caller),
      connectorName: connector.name,
      data: { connectorId: connector.id, tokenId: row.id, tokenPrefix: row.prefix },
    });
    return { tokenInfo: toTokenInfo(row), token: issued.token };
  }

  /** Revokes the token (idempotent) and ends the control streams it authenticated. */
  async revoke(caller: Principal, idOrName: string, tokenId: string): Promise<ConnectorTokenInfo> {
    const connector = await this.connector(idOrName);
    const now = new Date();
    const row = await this.tokens.revoke(tokenId, connector.id, now);
    if (row === null) {
      throw new NotFound(`connector "${connector.name}" has no token with id ${tokenId}`);
    }
    const ended = this.registry.disconnectToken(tokenId, "connector token was revoked");
    this.logger.info(
      { connector: connector.name, tokenId, endedStreams: ended },
      "connector token revoked",
    );
    // Revoking a revoked token changes nothing: audited once, when it happened.
    if (row.revokedAt?.getTime() === now.getTime()) {
      await this.audit.record({
        code: "connector.token_revoked",
        outcome: "revoked",
        ...auditActor(caller),
        connectorName: connector.name,
        data: {
          connectorId: connector.id,
          tokenId: row.id,
          tokenPrefix: row.prefix,
          endedStreams: ended,
        },
      });
    }
    return toTokenInfo(row);
  }

  /** Authenticates a connector's bearer token; throws Unauthenticated with the fix. */
  async authenticate(token: string | undefined): Promise<ConnectorAuth> {
    if (token === undefined) {
      throw new Unauthenticated(
        "missing `authorization: Bearer alk_ctr_…` metadata; start the connector with the token the control plane issued",
      );
    }
    const parsed = parseToken("ctr", token);
    if (parsed === undefined) throw new Unauthenticated(INVALID_TOKEN);
    const row = await this.tokens.findByPrefix(parsed.prefix);
    if (row === null || !secretMatches(row.secretHash, parsed.secretHash))
      throw new Unauthenticated(INVALID_TOKEN);
    if (row.revokedAt !== null) {
      throw new Unauthenticated(
        `connector token is revoked; issue a new one with \`airlock admin connectors token create ${row.connector.name}\``,
      );
    }
    const now = new Date();
    if (lastUsedIsStale(row.lastUsedAt, now)) {
      this.tokens.touchLastUsed(row.id, now).catch((err: unknown) => {
        this.logger.warn({ err, tokenId: row.id }, "could not record connector token use");
      });
    }
    return { connectorId: row.connector.id, connectorName: row.connector.name, tokenId: row.id };
  }

  private async connector(idOrName: string): Promise<ConnectorRecord> {
    const connector = await this.connectors.findByIdOrName(idOrName);
    if (connector === null) throw connectorNotFound(idOrName);
    return connector;
  }
}

export function connectorNotFound(idOrName: string): NotFound {
  return new NotFound(`no connector "${idOrName}"; list them with GET /api/v1/connectors`);
}
