// Route access is declared, never assumed: every route is either @Public() or
// names the roles it admits with @Roles(...). A route with neither is denied to
// everyone (admins included), so a forgotten declaration fails closed.
import { createParamDecorator, type ExecutionContext, SetMetadata } from "@nestjs/common";
import type { AuthenticatedRequest, Principal, Role } from "./principal";

export const PUBLIC_KEY = "airlock:public";
export const ROLES_KEY = "airlock:roles";
export const SCOPES_KEY = "airlock:scopes";

/** No authentication at all (health, docs). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

/** Roles admitted to the route. `admin` is admitted everywhere a role is declared. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator =>
  SetMetadata(ROLES_KEY, roles);

/**
 * A route an export-scoped API key may call too (a SIEM collector's key: pull and verify the
 * audit trail, nothing else). Keys without scopes are not affected.
 */
export const ExportScope = (): MethodDecorator & ClassDecorator =>
  SetMetadata(SCOPES_KEY, ["export"]);

/** Any authenticated user, whatever the role. */
export const AnyRole = (): MethodDecorator & ClassDecorator => Roles("admin", "auditor", "user");

/** The authenticated caller; only on routes that are not @Public(). */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal => {
    const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    if (request.principal === undefined)
      throw new Error("CurrentPrincipal used on a route without authentication");
    return request.principal;
  },
);
