// The identity module's facade for other modules: who is behind a token, who a policy
// decides about, and whether the identity behind a live session is still valid.
import { Injectable } from "@nestjs/common";
import { NotFound } from "../errors/domain-errors";
import { ApiKeyRepository } from "./api-key.repository";
import { Authenticator } from "./auth/authenticator";
import type { AuthMethod, Principal, Role, UserKind } from "./auth/principal";
import { LoginSessionRepository } from "./login/login-session.repository";
import type { MappedIdentity } from "./mapping/identity-mapping";
import { UserProvisioning } from "./oidc/user-provisioning";
import { UserRepository } from "./user.repository";

/** Who a policy decides about: the user, their kind and their groups. */
export interface Subject {
  id: string;
  name: string;
  kind: UserKind;
  groups: string[];
  disabled: boolean;
}

/** whoami's facts that the identity module owns (policies add the rest). */
export interface IdentityFacts {
  user: {
    id: string;
    name: string;
    kind: UserKind;
    role: Role;
    displayName: string | null;
    email: string | null;
  };
  owner: { id: string; name: string } | null;
  groups: string[];
  authMethod: AuthMethod;
  loginSession: { id: string; expiresAt: string } | null;
  apiKey: { id: string; connections: string[]; expiresAt: string | null } | null;
}

/** The identity a live session was opened with. */
export interface LiveIdentity {
  userId: string;
  apiKeyId: string | null;
  loginSessionId: string | null;
}

@Injectable()
export class IdentityService {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly users: UserRepository,
    private readonly apiKeys: ApiKeyRepository,
    private readonly logins: LoginSessionRepository,
    private readonly provisioning: UserProvisioning,
  ) {}

  /** Authenticates a bare API key or access token (e.g. from gRPC metadata); throws Unauthenticated. */
  authenticate(token: string): Promise<Principal> {
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

  async groupsOf(userId: string): Promise<string[]> {
    return this.users.groupNames(userId);
  }

  /** The owner of a service account (null for humans and ownerless accounts). */
  async ownerOf(userId: string): Promise<{ id: string; name: string } | null> {
    const user = await this.users.findByIdWithGroups(userId);
    return user?.owner ?? null;
  }

  /** Ids of the service accounts a human owns. */
  async ownedServiceAccounts(userId: string): Promise<string[]> {
    return this.users.ownedBy(userId);
  }

  async facts(caller: Principal): Promise<IdentityFacts> {
    const user = await this.users.findByIdWithGroups(caller.userId);
    if (user === null) throw new NotFound("your user no longer exists");
    let loginSession: IdentityFacts["loginSession"] = null;
    if (caller.loginSessionId !== null) {
      const session = await this.logins.findById(caller.loginSessionId);
      if (session !== null)
        loginSession = { id: session.id, expiresAt: session.expiresAt.toISOString() };
    }
    let apiKey: IdentityFacts["apiKey"] = null;
    if (caller.apiKeyId !== null) {
      const key = await this.apiKeys.findById(caller.apiKeyId);
      if (key !== null)
        apiKey = {
          id: key.id,
          connections: [...key.connections],
          expiresAt: key.expiresAt?.toISOString() ?? null,
        };
    }
    return {
      user: {
        id: user.id,
        name: user.name,
        kind: user.kind,
        role: user.role,
        displayName: user.displayName,
        email: user.email,
      },
      owner: user.owner,
      groups: user.groups.map((g) => g.group.name).sort(),
      authMethod: caller.authMethod,
      loginSession,
      apiKey,
    };
  }

  /** What a login with these claims would produce, storing nothing. */
  mapClaims(claims: Record<string, unknown>): MappedIdentity {
    return this.provisioning.map(claims);
  }

  /**
   * For each live identity, why it may no longer be used (undefined: still valid): the user
   * disabled, the login session revoked or expired, the API key revoked or expired.
   */
  async problemsWith(identities: readonly LiveIdentity[]): Promise<(string | undefined)[]> {
    const now = new Date();
    const unique = <T>(values: (T | null)[]): T[] => [
      ...new Set(values.filter((v): v is T => v !== null)),
    ];
    const [disabled, keys, sessions] = await Promise.all([
      this.users.disabledAmong(unique(identities.map((i) => i.userId))),
      this.apiKeys.validity(unique(identities.map((i) => i.apiKeyId))),
      this.logins.validity(unique(identities.map((i) => i.loginSessionId))),
    ]);
    const keyById = new Map(keys.map((k) => [k.id, k]));
    const sessionById = new Map(sessions.map((s) => [s.id, s]));
    return identities.map((identity) => {
      if (disabled.has(identity.userId)) return "your Airlock user was disabled by an admin";
      if (identity.apiKeyId !== null) {
        const key = keyById.get(identity.apiKeyId);
        if (key === undefined || key.revokedAt !== null)
          return "the API key of this session was revoked";
        if (key.expiresAt !== null && key.expiresAt <= now)
          return "the API key of this session expired";
      }
      if (identity.loginSessionId !== null) {
        const session = sessionById.get(identity.loginSessionId);
        if (session === undefined || session.revokedAt !== null)
          return `your login was revoked (${session?.revokeReason ?? "it no longer exists"}); run airlock login`;
        if (session.expiresAt <= now) return "your login expired; run airlock login";
      }
      return undefined;
    });
  }
}
