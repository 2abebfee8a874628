// Who is calling: attached to the request by the auth guard.

export type Role = "admin" | "auditor" | "user";
export type UserKind = "human" | "service_account";
export type AuthMethod = "api_key" | "oidc";

export interface Principal {
  userId: string;
  userName: string;
  kind: UserKind;
  role: Role;
  authMethod: AuthMethod;
  /** The API key that authenticated this request (authMethod api_key), else null. */
  apiKeyId: string | null;
  /** The login session behind the access token (authMethod oidc), else null. */
  loginSessionId: string | null;
  /** Connections the key may open sessions on; empty: any (policies still decide). */
  connections: readonly string[];
  /** What the key is limited to (["export"]: only pulling the audit trail); empty: no limit. */
  scopes: readonly string[];
}

/** The request shape the guard and the @CurrentPrincipal decorator rely on. */
export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

/** Who did it, as an audit event records the caller (docs/design/0010-audit.md). */
export function auditActor(principal: Principal): {
  actorId: string;
  actorName: string;
  actorKind: UserKind;
} {
  return { actorId: principal.userId, actorName: principal.userName, actorKind: principal.kind };
}
