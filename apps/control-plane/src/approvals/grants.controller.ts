import { Body, Controller, Get, HttpCode, Param, Post, Query } from "@nestjs/common";
import { ApiTags } from "@nestjs/swagger";
import { AnyRole, CurrentPrincipal } from "../identity/auth/auth.decorators";
import type { Principal } from "../identity/auth/principal";
import { DocAuthenticated, DocBody, DocQuery, DocResponse } from "../validation/api-docs";
import { ZodPipe } from "../validation/zod.pipe";
import {
  GrantIdParam,
  GrantList,
  GrantListQuery,
  GrantRequestBody,
  GrantView,
  ReviewView,
  RevokeBody,
} from "./approval.schemas";
import { GrantsService } from "./grants.service";

@ApiTags("grants")
@DocAuthenticated()
@AnyRole()
@Controller("api/v1/grants")
export class GrantsController {
  constructor(private readonly grants: GrantsService) {}

  /** Asks for a time-bound elevation role on a connection: a review of kind grant. */
  @Post("requests")
  @DocBody(GrantRequestBody)
  @DocResponse(201, ReviewView)
  request(
    @CurrentPrincipal() caller: Principal,
    @Body(new ZodPipe(GrantRequestBody)) body: GrantRequestBody,
  ): Promise<ReviewView> {
    return this.grants.request(caller, body);
  }

  /** Your grants (`scope=mine`, default) or every grant (`all`: admin, auditor). */
  @Get()
  @DocQuery(GrantListQuery)
  @DocResponse(200, GrantList)
  async list(
    @CurrentPrincipal() caller: Principal,
    @Query(new ZodPipe(GrantListQuery)) query: GrantListQuery,
  ): Promise<GrantList> {
    return { items: await this.grants.list(caller, query) };
  }

  /** Ends an active grant now (its holder, an approver of its role, or an admin). */
  @Post(":id/revoke")
  @HttpCode(200)
  @DocBody(RevokeBody)
  @DocResponse(200, GrantView)
  revoke(
    @CurrentPrincipal() caller: Principal,
    @Param("id", new ZodPipe(GrantIdParam)) id: string,
    @Body(new ZodPipe(RevokeBody)) body: RevokeBody,
  ): Promise<GrantView> {
    return this.grants.revoke(caller, id, body.reason);
  }
}
