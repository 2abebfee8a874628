// The query of GET /api/v1/compliance/nist-800-53: a period [from, to) and a format.
import { z } from "zod";

export const DEFAULT_PERIOD_DAYS = 30;
export const MAX_PERIOD_DAYS = 400;
const DAY_MS = 86_400_000;

export const REPORT_FORMATS = ["json", "oscal"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const Instant = z.iso
  .datetime({
    offset: true,
    error: "must be an ISO 8601 time with a time zone, e.g. 2026-12-01T00:00:00Z",
  })
  .transform((value) => new Date(value));

export const NistReportQuery = z
  .strictObject({
    from: Instant.optional().describe(
      `start of the period, inclusive (default: ${DEFAULT_PERIOD_DAYS} days before to)`,
    ),
    to: Instant.optional().describe("end of the period, exclusive (default: now)"),
    format: z
      .enum(REPORT_FORMATS, { error: 'must be "json" or "oscal"' })
      .optional()
      .describe("json (default): Airlock's report; oscal: an OSCAL Assessment Results document"),
  })
  .superRefine((query, ctx) => {
    if (query.from !== undefined && query.to !== undefined) {
      if (query.from >= query.to) {
        ctx.addIssue({ code: "custom", path: ["from"], message: "must be before to" });
      } else if (query.to.getTime() - query.from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
        ctx.addIssue({
          code: "custom",
          path: ["from"],
          message: `the period may be at most ${MAX_PERIOD_DAYS} days; ask for several reports`,
        });
      }
    }
  });
export type NistReportQuery = z.output<typeof NistReportQuery>;

/** The period a query asks for, with the defaults applied; undefined bound: see the schema. */
export function periodOf(
  query: NistReportQuery,
  now: Date,
): { from: Date; to: Date } | { error: string; field: string } {
  const to = query.to ?? now;
  const from = query.from ?? new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
  if (from >= to) return { error: "query.from: must be before to", field: "from" };
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
    return {
      error: `query.from: the period may be at most ${MAX_PERIOD_DAYS} days; ask for several reports`,
      field: "from",
    };
  }
  return { from, to };
}
