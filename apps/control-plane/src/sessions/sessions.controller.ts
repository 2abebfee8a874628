import { Controller, Get, Param, Query } from "@nestjs/common";
import { ApiTags } from "@nestjs/swagger";
import { CurrentPrincipal, Roles } from "../identity/auth/auth.decorators";
import type { Principal } from "../identity/auth/principal";
import { DocAuthenticated, DocQuery, DocResponse } from "../validation/api-docs";
import { ZodPipe } from "../validation/zod.pipe";
import { SessionEventsPage, SessionEventsQuery } from "./session-events.schemas";
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

  /**
   * The session's history in order, paged (docs/design/0010-audit.md, "Evidence and replay"):
   * session.started, session.event, command, review and session.ended entries, each with its
   * time and its offset from the start. `airlock sessions replay` prints it.
   */
  @Get(":id/events")
  @DocQuery(SessionEventsQuery)
  @DocResponse(200, SessionEventsPage)
  events(
    @CurrentPrincipal() caller: Principal,
    @Param("id", new ZodPipe(SessionIdParam)) id: string,
    @Query(new ZodPipe(SessionEventsQuery)) query: SessionEventsQuery,
  ): Promise<SessionEventsPage> {
    return this.sessions.events(caller, id, query);
  }
}
