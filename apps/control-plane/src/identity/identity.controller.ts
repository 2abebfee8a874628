import { Controller, Get } from "@nestjs/common";
import { ApiTags } from "@nestjs/swagger";
import { DocAuthenticated, DocResponse } from "../validation/api-docs";
import { AnyRole, CurrentPrincipal } from "./auth/auth.decorators";
import type { Principal } from "./auth/principal";
import { WhoAmI } from "./api-key.schemas";
import { IdentityService } from "./identity.service";

@ApiTags("identity")
@DocAuthenticated()
@Controller("api/v1/identity")
export class IdentityController {
  constructor(private readonly identity: IdentityService) {}

  @Get("whoami")
  @AnyRole()
  @DocResponse(200, WhoAmI)
  whoami(@CurrentPrincipal() caller: Principal): Promise<WhoAmI> {
    return this.identity.whoami(caller);
  }
}
