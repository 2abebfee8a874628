import { Module } from "@nestjs/common";
import { ConnectionsModule } from "../connections/connections.module";
import { IdentityModule } from "../identity/identity.module";
import { PoliciesModule } from "../policies/policies.module";
import { IdentityViewController } from "./identity-view.controller";

@Module({
  imports: [IdentityModule, PoliciesModule, ConnectionsModule],
  controllers: [IdentityViewController],
})
export class IdentityViewModule {}
