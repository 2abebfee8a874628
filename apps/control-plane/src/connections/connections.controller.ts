import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from "@nestjs/common";
import { ApiResponse, ApiTags } from "@nestjs/swagger";
import { CurrentPrincipal, Roles } from "../identity/auth/auth.decorators";
import type { Principal } from "../identity/auth/principal";
import { DocAuthenticated, DocBody, DocResponse } from "../validation/api-docs";
import { ZodPipe } from "../validation/zod.pipe";
import {
  ConnectionList,
  ConnectionParam,
  ConnectionView,
  CreateConnectionBody,
  UpdateConnectionBody,
} from "./connection.schemas";
import { ConnectionsService } from "./connections.service";

@ApiTags("connections")
@DocAuthenticated()
@Roles("admin")
@Controller("api/v1/connections")
export class ConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  @Get()
  @DocResponse(200, ConnectionList)
  async list(): Promise<ConnectionList> {
    return { items: await this.connections.list() };
  }

  /** Creates a connection. Only type "postgres" is accepted for now. */
  @Post()
  @DocBody(CreateConnectionBody)
  @DocResponse(201, ConnectionView)
  @ApiResponse({ status: 409, description: "conflict: the name is taken" })
  create(
    @CurrentPrincipal() caller: Principal,
    @Body(new ZodPipe(CreateConnectionBody)) body: CreateConnectionBody,
  ): Promise<ConnectionView> {
    return this.connections.create(caller, body);
  }

  @Get(":idOrName")
  @DocResponse(200, ConnectionView)
  get(@Param("idOrName", new ZodPipe(ConnectionParam)) idOrName: string): Promise<ConnectionView> {
    return this.connections.get(idOrName);
  }

  /** Changes any fields; a credential given here replaces the stored one. */
  @Patch(":idOrName")
  @DocBody(UpdateConnectionBody)
  @DocResponse(200, ConnectionView)
  update(
    @CurrentPrincipal() caller: Principal,
    @Param("idOrName", new ZodPipe(ConnectionParam)) idOrName: string,
    @Body(new ZodPipe(UpdateConnectionBody)) body: UpdateConnectionBody,
  ): Promise<ConnectionView> {
    return this.connections.update(caller, idOrName, body);
  }

  @Delete(":idOrName")
  @HttpCode(204)
  @DocResponse(204)
  async delete(
    @CurrentPrincipal() caller: Principal,
    @Param("idOrName", new ZodPipe(ConnectionParam)) idOrName: string,
  ): Promise<void> {
    await this.connections.delete(caller, idOrName);
  }
}
