import { z } from "zod";
import { Name, Timestamp } from "../validation/common.schemas";
import { MAX_COMMENT_CHARS } from "./policy-body";

export const PolicyNameParam = Name;

const VersionNumber = z
  .string()
  .regex(/^[1-9]\d{0,8}$/, { error: "must be a version number: 1, 2, 3…" })
  .transform(Number);

export const PolicyGetQuery = z.strictObject({
  version: VersionNumber.optional().describe("an older version; default: the current one"),
});
export type PolicyGetQuery = z.output<typeof PolicyGetQuery>;

export const PolicyPutQuery = z.strictObject({
  comment: z
    .string()
    .max(MAX_COMMENT_CHARS)
    .optional()
    .describe("why the policy changes; stored with the version"),
  dryRun: z
    .enum(["true", "false"], { error: 'must be "true" or "false"' })
    .transform((v) => v === "true")
    .optional()
    .describe("true: validate and report what would change, store nothing"),
});
export type PolicyPutQuery = z.output<typeof PolicyPutQuery>;

/** The JSON form of PUT (the YAML form is the document itself as text). */
export const ApplyPolicyJsonBody = z.strictObject({
  document: z.record(z.string(), z.unknown()).describe("the policy document"),
  comment: z.string().max(MAX_COMMENT_CHARS).optional(),
});

const MAX_COMMAND_CHARS = 1_048_576;
const SubjectName = z.string().min(1).max(200);

export const SimulateBody = z.strictObject({
  user: SubjectName.optional().describe("a user's name: their groups and kind are used"),
  groups: z
    .array(SubjectName)
    .max(200)
    .optional()
    .describe("the subject's groups; with `user`, these replace the user's own groups"),
  connection: Name.describe("a connection's name: its tags are used"),
  command: z.string().min(1).max(MAX_COMMAND_CHARS).describe("the SQL to decide on"),
  searchPath: z.array(z.string().min(1).max(63)).max(20).optional(),
});
export type SimulateBody = z.output<typeof SimulateBody>;

const Author = z.object({ id: z.uuid(), name: z.string() });
const Document = z.record(z.string(), z.unknown());
const SourceFormat = z.enum(["yaml", "json"]);

export const PolicySummary = z.object({
  name: z.string(),
  description: z.string().nullable(),
  currentVersion: z.int(),
  ruleCount: z.int(),
  subjects: Document,
  resources: Document,
  updatedAt: Timestamp,
  author: Author,
});
export type PolicySummary = z.output<typeof PolicySummary>;

export const PolicyList = z.object({ items: z.array(PolicySummary) });
export type PolicyList = z.output<typeof PolicyList>;

export const PolicyVersionView = z.object({
  version: z.int(),
  createdAt: Timestamp,
  author: Author,
  comment: z.string().nullable(),
  /** This version deleted the policy. */
  deleted: z.boolean(),
  sourceFormat: SourceFormat,
  ruleCount: z.int(),
});
export type PolicyVersionView = z.output<typeof PolicyVersionView>;

export const PolicyVersionList = z.object({
  name: z.string(),
  currentVersion: z.int(),
  deleted: z.boolean(),
  items: z.array(PolicyVersionView),
});
export type PolicyVersionList = z.output<typeof PolicyVersionList>;

export const PolicyDetail = PolicyVersionView.extend({
  name: z.string(),
  currentVersion: z.int(),
  document: Document,
  /** The text as applied: YAML as sent, JSON pretty-printed. */
  sourceText: z.string(),
  updatedAt: Timestamp,
});
export type PolicyDetail = z.output<typeof PolicyDetail>;

export const ApplyResult = z.object({
  name: z.string(),
  /** The version in force after the request (unchanged: the existing one). */
  version: z.int(),
  /** False when the document equals the current version's: nothing was stored. */
  changed: z.boolean(),
  created: z.boolean(),
  dryRun: z.boolean(),
});
export type ApplyResult = z.output<typeof ApplyResult>;

export const SimulationResult = z.object({
  decision: z.object({
    action: z.enum(["allow", "deny", "review"]),
    matchedRuleIds: z.array(z.string()),
    reasons: z.array(z.string()),
    review: z.unknown().optional(),
    mask: z.array(z.unknown()),
  }),
  facts: z.unknown(),
  /** The policies that were evaluated (every one in force), by name. */
  policies: z.array(z.string()),
  subject: z.object({
    user: z.string(),
    groups: z.array(z.string()),
    kind: z.enum(["human", "service_account"]).optional(),
  }),
  connection: z.object({ name: z.string(), tags: z.record(z.string(), z.string()) }),
  /** The decision snapshot's version (bumped on every policy change). */
  policyVersion: z.int(),
});
export type SimulationResult = z.output<typeof SimulationResult>;
