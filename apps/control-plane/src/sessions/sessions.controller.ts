import { Controller, Get, Param, Query } from "@nestjs/common";
import { ApiTags } from "@nestjs/swagger";
import { CurrentPrincipal, Roles } from "../identity/auth/auth.decorators";
import type { Principal } from "../identity/auth/principal";
import { DocAuthenticated, DocQuery, DocResponse } from "../validation/api-docs";
import { ZodPipe } from "../validation/zod.pipe";
import { SessionDetail, SessionIdParam, SessionList, SessionListQuery } from "./session.schemas";
import { SessionsService } from "./sessions.service";

@ApiTags("sessions")
@DocAuthenticated()
@Roles("admin", "auditor", "user")
@Controller("api/v1/sessions")
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  /** Recorded sessions, newest first. Admins and auditors see all; users see their own. */
  @Get()
  @DocQuery(SessionListQuery)
  @DocResponse(200, SessionList)
  list(
    @CurrentPrincipal() caller: Principal,
    @Query(new ZodPipe(SessionListQuery)) query: SessionListQuery,
  ): Promise<SessionList> {
    return this.sessions.list(caller, query);
  }

  /** One session with its commands in seq order. */
  @Get(":id")
  @DocResponse(200, SessionDetail)
  get(
    @CurrentPrincipal() caller: Principal,
    @Param("id", new ZodPipe(SessionIdParam)) id: string,
  ): Promise<SessionDetail> {
    return this.sessions.get(caller, id);
  }
}
