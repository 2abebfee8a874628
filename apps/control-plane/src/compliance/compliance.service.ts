// The compliance report: reads the period's facts, the policies in force, the connectors'
// status and the audit chain's verification, and builds the NIST SP 800-53 report (JSON) or
// its OSCAL Assessment Results form.
import { Inject, Injectable } from "@nestjs/common";
import { AuditVerifier } from "../audit/audit-verifier";
import { APP_CONFIG } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { connectorStatus } from "../connectors/connector-status";
import { InvalidInput } from "../errors/domain-errors";
import { PolicyDecisions } from "../policies/policy-decisions";
import { CONTROL_PLANE_VERSION } from "../version";
import { type ComplianceFacts, policyFacts } from "./compliance-facts";
import { ComplianceRepository, type ConnectorState } from "./compliance.repository";
import { type NistReportQuery, periodOf } from "./compliance.schemas";
import { buildNistReport, type NistReport } from "./nist-report";
import { type OscalAssessmentResults, toOscal } from "./oscal";

/** Sample audit event ids read per code. */
const SAMPLES_PER_CODE = 3;

@Injectable()
export class ComplianceService {
  constructor(
    private readonly repo: ComplianceRepository,
    private readonly policies: PolicyDecisions,
    private readonly verifier: AuditVerifier,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async nist(
    query: NistReportQuery,
    now: Date = new Date(),
  ): Promise<NistReport | OscalAssessmentResults> {
    const report = await this.nistReport(query, now);
    return query.format === "oscal"
      ? toOscal(report, { airlockVersion: CONTROL_PLANE_VERSION })
      : report;
  }

  async nistReport(query: NistReportQuery, now: Date = new Date()): Promise<NistReport> {
    const period = periodOf(query, now);
    if ("error" in period) throw new InvalidInput(period.error, period.field);
    const [stored, connectors, verification] = await Promise.all([
      this.repo.facts({ ...period, at: now, samplesPerCode: SAMPLES_PER_CODE }),
      this.repo.connectorStates(),
      this.verifier.verify(period),
    ]);
    const facts: ComplianceFacts = {
      ...stored,
      connectors: this.connectorCounts(connectors, now),
      policies: policyFacts(this.policies.current().policies),
    };
    return buildNistReport(facts, verification, { ...period, at: now });
  }

  private connectorCounts(
    states: readonly ConnectorState[],
    now: Date,
  ): ComplianceFacts["connectors"] {
    const counts = { total: states.length, online: 0, offline: 0, neverConnected: 0 };
    for (const state of states) {
      const status = connectorStatus(state, now, this.config.heartbeatIntervalMs);
      if (status === "online") counts.online += 1;
      else if (status === "offline") counts.offline += 1;
      else counts.neverConnected += 1;
    }
    return counts;
  }
}
