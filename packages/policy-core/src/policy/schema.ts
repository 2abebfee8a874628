import { z } from "zod";
import { RULE_STATEMENT_KINDS } from "../sql/kinds";
import { ACTIONS, DAYS, DETECTORS, MASK_STRATEGIES, type PolicyDocument } from "./types";

// The structural schema. Cross-field checks (unique ids, review approvers, durations,
// regexes, time zones) live in validate.ts, which also turns issues into messages that
// name the path and the fix. Every object is strict: an unknown field is an error.

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const nonEmpty = z.string().min(1);
const nameList = z.array(nonEmpty);

export const SubjectsSchema = z.strictObject({
  groups: nameList.optional(),
  users: nameList.optional(),
  service_accounts: nameList.optional(),
});

export const ResourcesSchema = z.strictObject({
  connections: nameList.optional(),
  tags: z.record(z.string(), z.string()).optional(),
});

export const SqlMatchSchema = z.strictObject({
  statements: z.array(z.enum(RULE_STATEMENT_KINDS)).min(1).optional(),
  tables: nameList.min(1).optional(),
  functions: nameList.min(1).optional(),
  without_where: z.boolean().optional(),
  regex: nonEmpty.optional(),
  copy_program: z.boolean().optional(),
  copy_file: z.boolean().optional(),
});

export const RuleSubjectsSchema = z.strictObject({
  groups: nameList.optional(),
  users: nameList.optional(),
});

export const HoursSchema = z.strictObject({ from: z.string(), to: z.string() });

export const TimeSchema = z.strictObject({
  days: z.array(z.enum(DAYS)).min(1).optional(),
  hours: HoursSchema.optional(),
  timezone: nonEmpty,
});

export const MatchSchema = z.strictObject({
  sql: SqlMatchSchema.optional(),
  subjects: RuleSubjectsSchema.optional(),
  tags: z.record(z.string(), z.string()).optional(),
  time: TimeSchema.optional(),
});

export const ReviewSchema = z.strictObject({
  approvers: nameList,
  min_approvals: z.number().int().min(1).max(10).optional(),
  timeout: z.string().optional(),
  break_glass: nameList.optional(),
  require_justification: z.boolean().optional(),
  notify: nameList.optional(),
});

export const RuleSchema = z.strictObject({
  id: z.string().regex(NAME),
  match: MatchSchema,
  action: z.enum(ACTIONS),
  message: z.string().optional(),
  review: ReviewSchema.optional(),
});

export const MaskRuleSchema = z.strictObject({
  columns: nameList.min(1).optional(),
  detect: z.array(z.enum(DETECTORS)).min(1).optional(),
  strategy: z.enum(MASK_STRATEGIES),
});

// Durations and their bounds are checked in validate.ts (messages with the fix).
export const ElevationSchema = z.strictObject({
  role: z.string().regex(NAME),
  approvers: nameList,
  min_approvals: z.number().int().min(1).max(10).optional(),
  max_duration: z.string().optional(),
  timeout: z.string().optional(),
  break_glass: nameList.optional(),
  notify: nameList.optional(),
});

const DocumentSchema = z.strictObject({
  name: z.string().regex(NAME),
  description: z.string().optional(),
  subjects: SubjectsSchema,
  resources: ResourcesSchema,
  rules: z.array(RuleSchema).min(1),
  mask: z.array(MaskRuleSchema).optional(),
  elevation: ElevationSchema.optional(),
});

/** The structural schema of a policy document (validatePolicy adds the cross-field checks). */
export const PolicyDocumentSchema: z.ZodType<PolicyDocument> = DocumentSchema;

/** Known field names per object, keyed by path pattern (indices as `[]`), for did-you-mean. */
export const KNOWN_FIELDS: Readonly<Record<string, readonly string[]>> = {
  "": Object.keys(DocumentSchema.shape),
  subjects: Object.keys(SubjectsSchema.shape),
  resources: Object.keys(ResourcesSchema.shape),
  "rules[]": Object.keys(RuleSchema.shape),
  "rules[].match": Object.keys(MatchSchema.shape),
  "rules[].match.sql": Object.keys(SqlMatchSchema.shape),
  "rules[].match.subjects": Object.keys(RuleSubjectsSchema.shape),
  "rules[].match.time": Object.keys(TimeSchema.shape),
  "rules[].match.time.hours": Object.keys(HoursSchema.shape),
  "rules[].review": Object.keys(ReviewSchema.shape),
  "mask[]": Object.keys(MaskRuleSchema.shape),
  elevation: Object.keys(ElevationSchema.shape),
};
