// A policy document as applied to PUT /policies/:name → the validated document, or
// InvalidInput listing every problem as `path: message` (`field` = the first path).
// The document's `name` must be the name in the URL; when absent it is taken from there.
import { type PolicyDocument, validatePolicy } from "@airlock/policy-core";
import { InvalidInput, type InputIssue } from "../errors/domain-errors";

export function validatedDocument(input: unknown, urlName: string): PolicyDocument {
  const issues: InputIssue[] = [];
  const named = withName(input, urlName, issues);
  const result = validatePolicy(named);
  if (result.ok && issues.length === 0) return result.policy;
  if (!result.ok) issues.push(...result.errors.map((e) => ({ path: e.path, message: e.message })));
  throw invalidPolicy(urlName, issues);
}

/** `policy "x" is invalid: rules[2].action: …; subjects: …` with the issues attached. */
export function invalidPolicy(name: string, issues: readonly InputIssue[]): InvalidInput {
  const listed = issues.map((i) => (i.path === "" ? i.message : `${i.path}: ${i.message}`));
  const first = issues[0]?.path;
  return new InvalidInput(
    `policy "${name}" is invalid: ${listed.join("; ")}`,
    first === undefined || first === "" ? undefined : first,
    issues,
  );
}

/** Fills a missing `name` from the URL; a different one is an issue. */
function withName(input: unknown, urlName: string, issues: InputIssue[]): unknown {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return input;
  const record = input as Record<string, unknown>;
  if (record["name"] === undefined) return { name: urlName, ...record };
  if (typeof record["name"] === "string" && record["name"] !== urlName) {
    issues.push({
      path: "name",
      message:
        `"${record["name"]}" differs from the policy named in the URL ("${urlName}"); ` +
        `apply it as PUT /api/v1/policies/${record["name"]}, or change the document's name`,
    });
  }
  return input;
}
