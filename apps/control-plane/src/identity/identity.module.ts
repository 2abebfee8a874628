// Who is calling: users and groups, API keys, OIDC login and Airlock's tokens, the global
// auth guard, the bootstrap admin.
import { Module } from "@nestjs/common";
import { APP_GUARD } from "@nestjs/core";
import { AuditModule } from "../audit/audit.module";
import { DbModule } from "../db/db.module";
import { JobsModule } from "../jobs/jobs.module";
import { RedisModule } from "../redis/redis.module";
import { ApiKeyRepository } from "./api-key.repository";
import { ApiKeysController } from "./api-keys.controller";
import { ApiKeysService } from "./api-keys.service";
import { ApiKeyAuthenticator } from "./auth/api-key.authenticator";
import { AuthGuard } from "./auth/auth.guard";
import { Authenticator } from "./auth/authenticator";
import { BootstrapAdminService } from "./bootstrap-admin.service";
import { IdentityService } from "./identity.service";
import { LoginRequests } from "./login/login-requests";
import { LoginSessionRepository } from "./login/login-session.repository";
import { LoginSessionsService } from "./login/login-sessions.service";
import { AuthController } from "./oidc/auth.controller";
import { IdpRecheck } from "./oidc/idp-recheck";
import { OidcClient } from "./oidc/oidc-client";
import { UserProvisioning } from "./oidc/user-provisioning";
import { UserRepository } from "./user.repository";
import { UsersController } from "./users.controller";
import { UsersService } from "./users.service";

@Module({
  imports: [DbModule, RedisModule, JobsModule, AuditModule],
  controllers: [AuthController, ApiKeysController, UsersController],
  providers: [
    UserRepository,
    ApiKeyRepository,
    ApiKeyAuthenticator,
    Authenticator,
    ApiKeysService,
    UsersService,
    BootstrapAdminService,
    IdentityService,
    LoginRequests,
    LoginSessionRepository,
    LoginSessionsService,
    OidcClient,
    UserProvisioning,
    IdpRecheck,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [IdentityService],
})
export class IdentityModule {}
