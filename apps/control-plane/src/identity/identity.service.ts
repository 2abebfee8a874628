// The identity module's facade for other modules: who is behind a token.
import { Injectable } from "@nestjs/common";
import { ApiKeyAuthenticator } from "./auth/api-key.authenticator";
import type { Principal } from "./auth/principal";
import type { WhoAmI } from "./api-key.schemas";
import { UserRepository } from "./user.repository";

@Injectable()
export class IdentityService {
  constructor(
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly users: UserRepository,
  ) {}

  /** Authenticates a bare API key (e.g. from gRPC metadata); throws Unauthenticated. */
  authenticateApiKey(token: string): Promise<Principal> {
    return this.authenticator.authenticateToken(token);
  }

  async whoami(caller: Principal): Promise<WhoAmI> {
    const groups = await this.users.groupNames(caller.userId);
    return {
      user: { id: caller.userId, name: caller.userName, kind: caller.kind, role: caller.role },
      groups,
      authMethod: caller.authMethod,
    };
  }
}
