import { Controller, Delete, Get, HttpCode, Param, Post } from "@nestjs/common";
import { ApiTags } from "@nestjs/swagger";
import { CurrentPrincipal, Roles } from "../identity/auth/auth.decorators";
import type { Principal } from "../identity/auth/principal";
import { DocAuthenticated, DocResponse } from "../validation/api-docs";
import { ZodPipe } from "../validation/zod.pipe";
import {
  ConnectorParam,
  ConnectorTokenList,
  IssuedConnectorToken,
  TokenIdParam,
} from "./connector.schemas";
import { ConnectorTokensService } from "./connector-tokens.service";

@ApiTags("connectors")
@DocAuthenticated()
@Roles("admin")
@Controller("api/v1/connectors/:idOrName/tokens")
export class ConnectorTokensController {
  constructor(private readonly tokens: ConnectorTokensService) {}

  @Get()
  @DocResponse(200, ConnectorTokenList)
  async list(
    @Param("idOrName", new ZodPipe(ConnectorParam)) idOrName: string,
  ): Promise<ConnectorTokenList> {
    return { items: await this.tokens.list(idOrName) };
  }

  /** Issues another token (e.g. to rotate); the response holds it, shown this once. */
  @Post()
  @DocResponse(201, IssuedConnectorToken)
  issue(
    @CurrentPrincipal() caller: Principal,
    @Param("idOrName", new ZodPipe(ConnectorParam)) idOrName: string,
  ): Promise<IssuedConnectorToken> {
    return this.tokens.issue(caller, idOrName);
  }

  /** Revokes a token and ends the control streams it authenticated. */
  @Delete(":tokenId")
  @HttpCode(204)
  @DocResponse(204)
  async revoke(
    @CurrentPrincipal() caller: Principal,
    @Param("idOrName", new ZodPipe(ConnectorParam)) idOrName: string,
    @Param("tokenId", new ZodPipe(TokenIdParam)) tokenId: string,
  ): Promise<void> {
    await this.tokens.revoke(caller, idOrName, tokenId);
  }
}
