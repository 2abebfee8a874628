// The identity module's facade for other modules: who is behind a token.
import { Injectable } from "@nestjs/common";
import { ApiKeyAuthenticator } from "./auth/api-key.authenticator";
import type { Principal, UserKind } from "./auth/principal";
import type { WhoAmI } from "./api-key.schemas";
import { UserRepository } from "./user.repository";

/** Who a policy decides about: the user, their kind and their groups. */
export interface Subject {
  id: string;
  name: string;
  kind: UserKind;
  groups: string[];
  disabled: boolean;
}

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

  /** A user by name with their groups (for policy decisions), or null when unknown. */
  async findSubject(name: string): Promise<Subject | null> {
    const user = await this.users.findByName(name);
    if (user === null) return null;
    return {
      id: user.id,
      name: user.name,
      kind: user.kind,
      groups: await this.users.groupNames(user.id),
      disabled: user.disabledAt !== null,
    };
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
