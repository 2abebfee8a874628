// Login sessions and Airlock's own tokens (docs/design/0009-oidc-login.md): issue an access
// token and a refresh token for a finished login, rotate refresh tokens (reuse revokes the
// whole login), log out, and turn a verified access token into a Principal, checking on
// every request that the login and the user are still valid.
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { AuditService } from "../../audit/audit.service";
import { APP_CONFIG, ROOT_LOGGER } from "../../config/config.tokens";
import type { AppConfig } from "../../config/config.types";
import { Unauthenticated } from "../../errors/domain-errors";
import { issueToken, parseToken, secretMatches } from "../../security/secret-token";
import type { Principal } from "../auth/principal";
import { AccessTokens } from "../tokens/access-tokens";
import { type LoginSessionWithUser, LoginSessionRepository } from "./login-session.repository";
import { TokenError } from "./token-error";

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token: string;
  user: { name: string; kind: string; role: string };
}

@Injectable()
export class LoginSessionsService {
  readonly accessTokens: AccessTokens;
  private readonly logger: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly repo: LoginSessionRepository,
    private readonly audit: AuditService,
  ) {
    this.logger = root.child({ component: "login" });
    this.accessTokens = new AccessTokens(
      config.masterKey,
      config.publicUrl,
      config.tokens.accessTokenTtlSeconds,
    );
  }

  /** A finished login: a new login session, its first refresh token and an access token. */
  async issue(
    userId: string,
    idpRefreshToken: Buffer | null,
    via: "loopback" | "device",
  ): Promise<TokenResponse> {
    const refresh = issueToken("rt");
    const expiresAt = new Date(Date.now() + this.config.tokens.loginMaxAgeSeconds * 1000);
    const session = await this.repo.create(
      { userId, expiresAt, idpRefreshToken },
      { prefix: refresh.prefix, secretHash: refresh.secretHash },
    );
    await this.audit.record({
      code: "auth.login",
      outcome: "succeeded",
      actorId: session.user.id,
      actorName: session.user.name,
      actorKind: session.user.kind,
      data: { method: "oidc", via, loginSessionId: session.id, expiresAt: expiresAt.toISOString() },
    });
    return this.respond(session, refresh.token);
  }

  /** grant_type=refresh_token: single use; a reused token revokes the whole login. */
  async refresh(token: string): Promise<TokenResponse> {
    const parsed = parseToken("rt", token);
    if (parsed === undefined)
      throw new TokenError(
        "invalid_grant",
        "refresh token is malformed: expected alk_rt_<id>_<secret>",
      );
    const row = await this.repo.findRefreshToken(parsed.prefix);
    if (row === null || !secretMatches(row.secretHash, parsed.secretHash))
      throw new TokenError("invalid_grant", "refresh token is invalid");
    const now = new Date();
    const problem = this.problemWith(row.loginSession, now);
    if (problem !== undefined) throw new TokenError("invalid_grant", problem);
    const next = issueToken("rt");
    const outcome = await this.repo.rotate(
      row.id,
      row.loginSession.id,
      { prefix: next.prefix, secretHash: next.secretHash },
      now,
    );
    if (outcome.kind === "reused") {
      this.logger.warn(
        { user: outcome.session.user.name, loginSessionId: outcome.session.id },
        "refresh token reused: the login session is revoked",
      );
      await this.audit.record({
        code: "auth.refresh_reuse",
        outcome: "denied",
        actorId: outcome.session.user.id,
        actorName: outcome.session.user.name,
        actorKind: outcome.session.user.kind,
        data: { loginSessionId: outcome.session.id },
      });
      throw new TokenError(
        "invalid_grant",
        "this refresh token was already used, so someone else may hold a copy: the whole login is revoked; run airlock login",
      );
    }
    return this.respond(outcome.session, next.token);
  }

  /** Revokes the login session of a refresh token (logout); unknown tokens are ignored. */
  async logoutWithRefreshToken(token: string): Promise<void> {
    const parsed = parseToken("rt", token);
    if (parsed === undefined)
      throw new TokenError(
        "invalid_request",
        "refresh_token is malformed: expected alk_rt_<id>_<secret>",
      );
    const row = await this.repo.findRefreshToken(parsed.prefix);
    if (row === null || !secretMatches(row.secretHash, parsed.secretHash)) return;
    await this.logout(row.loginSession);
  }

  /** Revokes the login session behind an access token (logout with Bearer). */
  async logoutSession(loginSessionId: string): Promise<void> {
    const session = await this.repo.findById(loginSessionId);
    if (session !== null) await this.logout(session);
  }

  private async logout(session: LoginSessionWithUser): Promise<void> {
    if (!(await this.repo.revoke(session.id, "logged out", new Date()))) return;
    await this.audit.record({
      code: "auth.logout",
      outcome: "succeeded",
      actorId: session.user.id,
      actorName: session.user.name,
      actorKind: session.user.kind,
      data: { loginSessionId: session.id },
    });
  }

  /** Revokes a login session for a reason (the IdP refused it); audited. */
  async revoke(session: LoginSessionWithUser, reason: string, code: string): Promise<void> {
    if (!(await this.repo.revoke(session.id, reason, new Date()))) return;
    await this.audit.record({
      code,
      outcome: "revoked",
      actorId: session.user.id,
      actorName: session.user.name,
      actorKind: session.user.kind,
      data: { loginSessionId: session.id, reason },
    });
  }

  /** The caller behind a Bearer access token; Unauthenticated naming why not. */
  async authenticate(token: string): Promise<Principal> {
    const claims = await this.accessTokens.verify(token);
    const session = await this.repo.findById(claims.loginSessionId);
    if (session === null || session.userId !== claims.userId)
      throw new Unauthenticated("access token refused: its login session does not exist");
    const problem = this.problemWith(session, new Date());
    if (problem !== undefined) throw new Unauthenticated(`access token refused: ${problem}`);
    return {
      userId: session.user.id,
      userName: session.user.name,
      kind: session.user.kind,
      role: session.user.role,
      authMethod: "oidc",
      apiKeyId: null,
      loginSessionId: session.id,
      connections: [],
      scopes: [],
    };
  }

  /** Why a login session can no longer be used, or undefined when it can. */
  problemWith(
    session: Pick<LoginSessionWithUser, "revokedAt" | "revokeReason" | "expiresAt"> & {
      user: { disabledAt: Date | null };
    },
    now: Date,
  ): string | undefined {
    if (session.revokedAt !== null)
      return `the login was revoked (${session.revokeReason ?? "no reason recorded"}); run airlock login`;
    if (session.expiresAt <= now)
      return `the login expired at ${session.expiresAt.toISOString()}; run airlock login`;
    if (session.user.disabledAt !== null) return "the user is disabled";
    return undefined;
  }

  findSession(id: string): Promise<LoginSessionWithUser | null> {
    return this.repo.findById(id);
  }

  private async respond(
    session: LoginSessionWithUser,
    refreshToken: string,
  ): Promise<TokenResponse> {
    const access = await this.accessTokens.sign(session.user.id, session.id);
    return {
      access_token: access.token,
      token_type: "Bearer",
      expires_in: this.config.tokens.accessTokenTtlSeconds,
      refresh_token: refreshToken,
      user: { name: session.user.name, kind: session.user.kind, role: session.user.role },
    };
  }
}
