// GET /api/v1/export/events: the SIEM pull export (docs/design/0010-audit.md, "Export (pull)").
import { Controller, Get, Ip, Query, Res } from "@nestjs/common";
import { ApiProduces, ApiTags } from "@nestjs/swagger";
import { CurrentPrincipal, ExportScope, Roles } from "../identity/auth/auth.decorators";
import type { Principal } from "../identity/auth/principal";
import { DocAuthenticated, DocQuery, DocResponse } from "../validation/api-docs";
import { ZodPipe } from "../validation/zod.pipe";
import { ExportPage, ExportQuery } from "./export.schemas";
import { ExportService } from "./export.service";

/** The headers a CEF answer carries its paging in (JSON answers carry them too). */
export const NEXT_CURSOR_HEADER = "X-Airlock-Next-Cursor";
export const HAS_MORE_HEADER = "X-Airlock-Has-More";

interface HeaderResponse {
  setHeader(name: string, value: string): unknown;
}

@ApiTags("export")
@DocAuthenticated()
@Roles("auditor")
@ExportScope()
@Controller("api/v1/export")
export class ExportController {
  constructor(private readonly exports: ExportService) {}

  /**
   * Sealed audit events with seq > cursor, in seq order. Resume from `next_cursor` to get
   * every event exactly once, whatever is written meanwhile. `format=cef` answers
   * text/plain, one CEF line per event, with the cursor in the X-Airlock-Next-Cursor and
   * X-Airlock-Has-More headers. Auditors and admins only; each export is audited.
   */
  @Get("events")
  @DocQuery(ExportQuery)
  @ApiProduces("application/json", "text/plain")
  @DocResponse(200, ExportPage, "a page of events (format=cef: text/plain CEF lines)")
  async events(
    @CurrentPrincipal() caller: Principal,
    @Query(new ZodPipe(ExportQuery)) query: ExportQuery,
    @Ip() ip: string | undefined,
    @Res({ passthrough: true }) res: HeaderResponse,
  ): Promise<ExportPage | string> {
    const page = await this.exports.page(caller, query, ip ?? null);
    res.setHeader(NEXT_CURSOR_HEADER, page.nextCursor);
    res.setHeader(HAS_MORE_HEADER, String(page.hasMore));
    if (page.format === "cef") {
      res.setHeader("Content-Type", "text/plain; charset=utf-8");
      return page.lines.map((line) => `${line}\n`).join("");
    }
    return { events: page.events, next_cursor: page.nextCursor, has_more: page.hasMore };
  }
}
