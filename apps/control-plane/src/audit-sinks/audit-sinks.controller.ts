// /api/v1/audit/sinks: where sealed audit events are pushed (admins only).
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from "@nestjs/common";
import { ApiResponse, ApiTags } from "@nestjs/swagger";
import { CurrentPrincipal, Roles } from "../identity/auth/auth.decorators";
import type { Principal } from "../identity/auth/principal";
import { DocAuthenticated, DocBody, DocResponse } from "../validation/api-docs";
import { ZodPipe } from "../validation/zod.pipe";
import {
  AuditSinkList,
  AuditSinkParam,
  AuditSinkTestResult,
  CreateAuditSinkBody,
  CreatedAuditSink,
} from "./audit-sink.schemas";
import { AuditSinksService } from "./audit-sinks.service";

@ApiTags("audit")
@DocAuthenticated()
@Roles("admin")
@Controller("api/v1/audit/sinks")
export class AuditSinksController {
  constructor(private readonly sinks: AuditSinksService) {}

  /** Every sink, with its cursor, its lag behind the chain's head and its last error. */
  @Get()
  @DocResponse(200, AuditSinkList)
  list(): Promise<AuditSinkList> {
    return this.sinks.list();
  }

  /** Creates a sink; for a webhook the response holds its signing secret, shown this once. */
  @Post()
  @DocBody(CreateAuditSinkBody)
  @DocResponse(201, CreatedAuditSink)
  @ApiResponse({ status: 409, description: "conflict: the name is taken" })
  create(
    @CurrentPrincipal() caller: Principal,
    @Body(new ZodPipe(CreateAuditSinkBody)) body: CreateAuditSinkBody,
  ): Promise<CreatedAuditSink> {
    return this.sinks.create(caller, body);
  }

  /** Deletes a sink and its cursor. */
  @Delete(":name")
  @HttpCode(204)
  @DocResponse(204)
  async delete(
    @CurrentPrincipal() caller: Principal,
    @Param("name", new ZodPipe(AuditSinkParam)) name: string,
  ): Promise<void> {
    await this.sinks.delete(caller, name);
  }

  /** Sends one test message (code audit.sink_test, seq 0) and says whether it was accepted. */
  @Post(":name/test")
  @HttpCode(200)
  @DocResponse(200, AuditSinkTestResult)
  test(
    @CurrentPrincipal() caller: Principal,
    @Param("name", new ZodPipe(AuditSinkParam)) name: string,
  ): Promise<AuditSinkTestResult> {
    return this.sinks.test(caller, name);
  }
}
