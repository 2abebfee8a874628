// `GET /api/v1/compliance/nist-800-53` (docs/design/0010-audit.md, "Evidence and replay"):
// Airlock's NIST SP 800-53 report, or the same as an OSCAL Assessment Results document.
// The schemas check what the CLI reads and keep every other field as sent, so a document
// written to a file is the server's, whole.
import { z } from "zod";
import type { ApiClient } from "./api-client";

export const REPORT_FORMATS = ["json", "oscal"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const CONTROL_STATUSES = ["satisfied", "partially-satisfied", "not-satisfied"] as const;

export const NistReportSchema = z.looseObject({
  framework: z.string(),
  period: z.looseObject({ from: z.string(), to: z.string() }),
  generatedAt: z.string(),
  counts: z.record(z.string(), z.number()),
  verification: z.looseObject({
    ok: z.boolean(),
    events: z.number(),
    problems: z.array(z.unknown()),
  }),
  summary: z.record(z.string(), z.number()),
  controls: z.array(
    z.looseObject({
      id: z.string(),
      title: z.string(),
      status: z.enum(CONTROL_STATUSES),
      gaps: z.array(z.string()),
    }),
  ),
});
export type NistReport = z.output<typeof NistReportSchema>;

export const OscalDocumentSchema = z.looseObject({
  "assessment-results": z.looseObject({
    uuid: z.string(),
    metadata: z.looseObject({ "oscal-version": z.string() }),
    results: z.array(z.unknown()).min(1),
  }),
});
export type OscalDocument = z.output<typeof OscalDocumentSchema>;

export interface ReportQuery {
  from?: string;
  to?: string;
}

export class ComplianceApi {
  constructor(private readonly http: ApiClient) {}

  nist(query: ReportQuery): Promise<NistReport> {
    return this.http.get(path(query, "json"), NistReportSchema);
  }

  nistOscal(query: ReportQuery): Promise<OscalDocument> {
    return this.http.get(path(query, "oscal"), OscalDocumentSchema);
  }
}

function path(query: ReportQuery, format: ReportFormat): string {
  const params = new URLSearchParams();
  if (query.from !== undefined) params.set("from", query.from);
  if (query.to !== undefined) params.set("to", query.to);
  params.set("format", format);
  return `/api/v1/compliance/nist-800-53?${params.toString()}`;
}
