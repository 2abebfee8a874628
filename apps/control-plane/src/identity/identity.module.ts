// Who is calling: users and groups, API keys, the global auth guard, whoami, the bootstrap admin.
import { Module } from "@nestjs/common";
import { APP_GUARD } from "@nestjs/core";
import { DbModule } from "../db/db.module";
import { ApiKeyRepository } from "./api-key.repository";
import { ApiKeysController } from "./api-keys.controller";
import { ApiKeysService } from "./api-keys.service";
import { ApiKeyAuthenticator } from "./auth/api-key.authenticator";
import { AuthGuard } from "./auth/auth.guard";
import { BootstrapAdminService } from "./bootstrap-admin.service";
import { IdentityController } from "./identity.controller";
import { IdentityService } from "./identity.service";
import { UserRepository } from "./user.repository";
import { UsersController } from "./users.controller";
import { UsersService } from "./users.service";

@Module({
  imports: [DbModule],
  controllers: [IdentityController, ApiKeysController, UsersController],
  providers: [
    UserRepository,
    ApiKeyRepository,
    ApiKeyAuthenticator,
    ApiKeysService,
    UsersService,
    BootstrapAdminService,
    IdentityService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [IdentityService],
})
export class IdentityModule {}
