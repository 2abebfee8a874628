import { Body, Controller, Delete, Get, HttpCode, Param, Post } from "@nestjs/common";
import { ApiResponse, ApiTags } from "@nestjs/swagger";
import { CurrentPrincipal, Roles } from "../identity/auth/auth.decorators";
import type { Principal } from "../identity/auth/principal";
import { DocAuthenticated, DocBody, DocResponse } from "../validation/api-docs";
import { ZodPipe } from "../validation/zod.pipe";
import {
  ConnectorList,
  ConnectorParam,
  ConnectorView,
  CreateConnectorBody,
  CreatedConnector,
} from "./connector.schemas";
import { ConnectorsService } from "./connectors.service";

@ApiTags("connectors")
@DocAuthenticated()
@Roles("admin")
@Controller("api/v1/connectors")
export class ConnectorsController {
  constructor(private readonly connectors: ConnectorsService) {}

  @Get()
  @DocResponse(200, ConnectorList)
  async list(): Promise<ConnectorList> {
    return { items: await this.connectors.list() };
  }

  /** Creates a connector; the response holds its first token (alk_ctr_…), shown this once. */
  @Post()
  @DocBody(CreateConnectorBody)
  @DocResponse(201, CreatedConnector)
  @ApiResponse({ status: 409, description: "conflict: the name is taken" })
  create(
    @CurrentPrincipal() caller: Principal,
    @Body(new ZodPipe(CreateConnectorBody)) body: CreateConnectorBody,
  ): Promise<CreatedConnector> {
    return this.connectors.create(caller, body.name);
  }

  @Get(":idOrName")
  @DocResponse(200, ConnectorView)
  get(@Param("idOrName", new ZodPipe(ConnectorParam)) idOrName: string): Promise<ConnectorView> {
    return this.connectors.get(idOrName);
  }

  /** Deletes a connector and its tokens; refused while connections use it. */
  @Delete(":idOrName")
  @HttpCode(204)
  @DocResponse(204)
  @ApiResponse({ status: 409, description: "conflict: connections still use it" })
  async delete(
    @CurrentPrincipal() caller: Principal,
    @Param("idOrName", new ZodPipe(ConnectorParam)) idOrName: string,
  ): Promise<void> {
    await this.connectors.delete(caller, idOrName);
  }
}
