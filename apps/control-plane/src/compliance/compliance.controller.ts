// /api/v1/compliance: evidence for auditors (docs/design/0010-audit.md, "Evidence and replay").
import { Controller, Get, Query } from "@nestjs/common";
import { ApiTags } from "@nestjs/swagger";
import { Roles } from "../identity/auth/auth.decorators";
import { DocAuthenticated, DocQuery, DocResponse } from "../validation/api-docs";
import { ZodPipe } from "../validation/zod.pipe";
import { NistReportQuery } from "./compliance.schemas";
import { ComplianceService } from "./compliance.service";
import type { NistReport } from "./nist-report";
import type { OscalAssessmentResults } from "./oscal";

@ApiTags("compliance")
@DocAuthenticated()
@Roles("auditor")
@Controller("api/v1/compliance")
export class ComplianceController {
  constructor(private readonly compliance: ComplianceService) {}

  /**
   * NIST SP 800-53 Rev. 5 (AC-2, AC-6, AU-2, AU-3, AU-6, AU-9, AU-12, SC-7, IR-4) for a period:
   * what Airlock enforced, counts, sample audit event ids, the chain's verification and the
   * gaps. `format=oscal` answers an OSCAL Assessment Results document.
   */
  @Get("nist-800-53")
  @DocQuery(NistReportQuery)
  @DocResponse(
    200,
    undefined,
    "the report (format=json), or an OSCAL Assessment Results document (format=oscal)",
  )
  nist(
    @Query(new ZodPipe(NistReportQuery)) query: NistReportQuery,
  ): Promise<NistReport | OscalAssessmentResults> {
    return this.compliance.nist(query);
  }
}
