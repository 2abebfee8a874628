// One entry for every credential a caller can present: an API key (`alk_key_…`) or an
// access token from an OIDC login (a JWT). Used by the HTTP guard and the gRPC gateway.
import { Injectable } from "@nestjs/common";
import { Unauthenticated } from "../../errors/domain-errors";
import { LoginSessionsService } from "../login/login-sessions.service";
import { looksLikeJwt } from "../tokens/access-tokens";
import { ApiKeyAuthenticator } from "./api-key.authenticator";
import type { Principal } from "./principal";

const BEARER = /^Bearer\s+(\S+)\s*$/i;

@Injectable()
export class Authenticator {
  constructor(
    private readonly apiKeys: ApiKeyAuthenticator,
    private readonly logins: LoginSessionsService,
  ) {}

  /** Authenticates the value of an HTTP Authorization header. */
  authenticateHeader(header: string | undefined): Promise<Principal> {
    if (header === undefined || header.trim() === "") {
      throw new Unauthenticated(
        "missing Authorization: Bearer header; send `Authorization: Bearer <API key or access token>` (airlock login gets one)",
      );
    }
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) {
      throw new Unauthenticated(
        "the Authorization header must be `Bearer <API key or access token>`",
      );
    }
    return this.authenticateToken(token);
  }

  /** Authenticates a bare API key or access token. */
  authenticateToken(token: string): Promise<Principal> {
    if (looksLikeJwt(token)) return this.logins.authenticate(token);
    return this.apiKeys.authenticateToken(token);
  }
}
