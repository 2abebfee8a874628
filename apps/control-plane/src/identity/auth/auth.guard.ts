// The global guard: authenticates every route that is not @Public(), then admits
// the caller only if the route's @Roles(...) declaration names their role (admins
// pass wherever any role is declared). No declaration means denied.
import { type CanActivate, type ExecutionContext, Inject, Injectable } from "@nestjs/common";
import { Reflector } from "@nestjs/core";
import type { Logger } from "pino";
import { ROOT_LOGGER } from "../../config/config.tokens";
import { PermissionDenied } from "../../errors/domain-errors";
import { Authenticator } from "./authenticator";
import { PUBLIC_KEY, ROLES_KEY, SCOPES_KEY } from "./auth.decorators";
import type { AuthenticatedRequest, Role } from "./principal";

@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger: Logger;

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: "auth" });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== "http") return false;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, targets) === true)
      return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers["authorization"];
    const principal = await this.authenticator.authenticateHeader(
      Array.isArray(header) ? header[0] : header,
    );
    request.principal = principal;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles === undefined || roles.length === 0) {
      this.logger.error(
        { handler: `${context.getClass().name}.${context.getHandler().name}` },
        "route declares neither @Public() nor @Roles(); denied",
      );
      throw new PermissionDenied("this route declares no access rule, so it is denied to everyone");
    }
    if (principal.scopes.length > 0) {
      const admitted = this.reflector.getAllAndOverride<string[] | undefined>(SCOPES_KEY, targets);
      if (!principal.scopes.some((scope) => admitted?.includes(scope) === true)) {
        throw new PermissionDenied(
          `this API key is limited to ${principal.scopes.join(", ")}: it may only pull and verify the audit trail (GET /api/v1/export/events, GET /api/v1/audit/verify) and say who it is (whoami)`,
        );
      }
    }
    if (principal.role === "admin" || roles.includes(principal.role)) return true;
    throw new PermissionDenied(
      `this needs the ${roles.join(" or ")} role; you are ${principal.role}`,
    );
  }
}
