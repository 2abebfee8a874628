import { iso } from "../validation/common.schemas";
import type { PolicyHead, PolicyRecord, PolicyVersionRecord } from "./policy.repository";
import type { PolicyDetail, PolicySummary, PolicyVersionView } from "./policy.schemas";

type Json = Record<string, unknown>;

export function toPolicySummary({ policy, current }: PolicyHead): PolicySummary {
  const document = objectOf(current.document);
  return {
    name: policy.name,
    description: typeof document["description"] === "string" ? document["description"] : null,
    currentVersion: policy.currentVersion,
    ruleCount: ruleCount(document),
    subjects: objectOf(document["subjects"]),
    resources: objectOf(document["resources"]),
    updatedAt: iso(policy.updatedAt),
    author: current.author,
  };
}

export function toVersionView(row: PolicyVersionRecord): PolicyVersionView {
  return {
    version: row.version,
    createdAt: iso(row.createdAt),
    author: row.author,
    comment: row.comment,
    deleted: row.deleted,
    sourceFormat: row.sourceFormat,
    ruleCount: ruleCount(objectOf(row.document)),
  };
}

export function toPolicyDetail(policy: PolicyRecord, row: PolicyVersionRecord): PolicyDetail {
  return {
    name: policy.name,
    ...toVersionView(row),
    currentVersion: policy.currentVersion,
    document: objectOf(row.document),
    sourceText: row.sourceText,
    updatedAt: iso(policy.updatedAt),
  };
}

function ruleCount(document: Json): number {
  const rules = document["rules"];
  return Array.isArray(rules) ? rules.length : 0;
}

/** Stored documents are validated objects; anything else shows as empty. */
function objectOf(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}
