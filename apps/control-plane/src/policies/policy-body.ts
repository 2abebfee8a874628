// The body of PUT /policies/:name, before validation: YAML text (Content-Type
// application/yaml or text/yaml, read as text by yaml-body.middleware.ts) or a JSON
// object `{document, comment?}`. Pure: text or object in, the raw document and the
// source to store out; syntax errors name the line and column.
import { LineCounter, parseDocument } from "yaml";
import { InvalidInput, type InputIssue } from "../errors/domain-errors";

export type SourceFormat = "yaml" | "json";

/** What was applied, before validation. */
export interface PolicySource {
  /** The parsed document, not yet validated. */
  input: unknown;
  format: SourceFormat;
  /** The text as applied: YAML as sent, JSON pretty-printed. */
  text: string;
  comment?: string;
}

/** Content types whose body is YAML text. */
export const YAML_CONTENT_TYPES = [
  "application/yaml",
  "application/x-yaml",
  "text/yaml",
  "text/x-yaml",
] as const;

export const MAX_COMMENT_CHARS = 500;

/** True when the Content-Type header (parameters ignored) names YAML. */
export function isYamlContentType(header: string | undefined): boolean {
  const type = header?.split(";")[0]?.trim().toLowerCase();
  return type !== undefined && (YAML_CONTENT_TYPES as readonly string[]).includes(type);
}

/** A string body is YAML text; anything else must be the JSON wrapper `{document, comment?}`. */
export function policySourceFromBody(body: unknown): PolicySource {
  if (typeof body === "string") return fromYamlText(body);
  return fromJsonBody(body);
}

export function fromYamlText(text: string): PolicySource {
  if (text.trim() === "") {
    throw new InvalidInput("body: is empty; send a policy document (YAML or JSON)");
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues: InputIssue[] = doc.errors.map((error) => {
    const at = lineCounter.linePos(error.pos[0]);
    return {
      path: `line ${at.line}, column ${at.col}`,
      message: yamlMessage(error.code, error.message),
    };
  });
  const first = issues[0];
  if (first !== undefined) {
    throw new InvalidInput(
      `body: is not valid YAML: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      undefined,
      issues,
    );
  }
  let input: unknown;
  try {
    input = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // Too many alias expansions (a "billion laughs" document) and similar.
    const message = err instanceof Error ? err.message : String(err);
    throw new InvalidInput(`body: cannot be read as YAML: ${message}`);
  }
  return { input, format: "yaml", text };
}

function fromJsonBody(body: unknown): PolicySource {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new InvalidInput(
      "body: expected a JSON object {document, comment?} (Content-Type: application/json), " +
        "or a YAML document (Content-Type: application/yaml)",
    );
  }
  const { document, comment, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    const names = unknown.map((k) => `"${k}"`).join(", ");
    const hint = "name" in rest || "rules" in rest ? '; wrap the policy in {"document": …}' : "";
    throw new InvalidInput(
      `body: unknown field${unknown.length > 1 ? "s" : ""} ${names}${hint}`,
      unknown[0],
    );
  }
  if (document === undefined) {
    throw new InvalidInput("body.document: is required (the policy document)", "document");
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new InvalidInput("body.document: expected a JSON object (the policy)", "document");
  }
  const source: PolicySource = {
    input: document,
    format: "json",
    text: `${JSON.stringify(document, null, 2)}\n`,
  };
  if (comment !== undefined) source.comment = checkComment(comment, "body.comment");
  return source;
}

/** A version's comment: a short single-paragraph note. */
export function checkComment(value: unknown, where: string): string {
  if (typeof value !== "string") throw new InvalidInput(`${where}: expected a string`, "comment");
  if (value.length > MAX_COMMENT_CHARS) {
    throw new InvalidInput(
      `${where}: must be at most ${MAX_COMMENT_CHARS} characters long`,
      "comment",
    );
  }
  return value;
}

function yamlMessage(code: string, message: string): string {
  if (code === "MULTIPLE_DOCS") {
    return "holds more than one YAML document (---); apply one policy per document";
  }
  // With prettyErrors off the message is one sentence; keep its first line only.
  return (message.split("\n")[0] ?? message).replace(/\s+at line \d+, column \d+:?$/, "");
}
