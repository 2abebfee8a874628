// `airlock policy apply -f FILE`: what to send for each file. Pure: the file's text in,
// the policy's name and the request body out. YAML is sent as the text itself
// (Content-Type application/yaml), so `policy show` prints it back as written; JSON is
// sent as {document}. The name is read here only to build the URL; the control plane
// validates the whole document.
import { LineCounter, parseDocument } from "yaml";
import { RawBody } from "../http/api-client";

export type PolicyFileFormat = "yaml" | "json";

export interface PolicyFile {
  /** Where it came from, for messages: the path, or "stdin". */
  source: string;
  name: string;
  format: PolicyFileFormat;
  body: RawBody | { document: unknown };
}

/** Why a file cannot be sent, one problem per line. */
export class PolicyFileError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: ${problems.join("; ")}`);
    this.name = "PolicyFileError";
  }
}

export const YAML_CONTENT_TYPE = "application/yaml";

/** By extension (.json, .yaml, .yml); otherwise a document starting with `{` is JSON. */
export function policyFileFormat(source: string, text: string): PolicyFileFormat {
  const lower = source.toLowerCase();
  if (lower.endsWith(".json")) return "json";
  if (lower.endsWith(".yaml") || lower.endsWith(".yml")) return "yaml";
  return text.trimStart().startsWith("{") ? "json" : "yaml";
}

export function readPolicyFile(source: string, text: string): PolicyFile {
  if (text.trim() === "") throw new PolicyFileError(source, ["is empty"]);
  const format = policyFileFormat(source, text);
  const document = format === "json" ? parseJson(source, text) : parseYaml(source, text);
  const name = nameOf(source, document);
  return {
    source,
    name,
    format,
    body: format === "yaml" ? new RawBody(text, YAML_CONTENT_TYPE) : { document },
  };
}

function parseYaml(source: string, text: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new PolicyFileError(
      source,
      doc.errors.map((error) => {
        const at = lineCounter.linePos(error.pos[0]);
        const message =
          error.code === "MULTIPLE_DOCS"
            ? "holds more than one YAML document (---); put each policy in its own file"
            : (error.message.split("\n")[0] ?? error.message);
        return `line ${at.line}, column ${at.col}: ${message}`;
      }),
    );
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

function parseJson(source: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new PolicyFileError(source, [`is not valid JSON: ${withLine(text, message)}`]);
  }
}

/** JSON.parse says "at position N"; people want the line and column. */
function withLine(text: string, message: string): string {
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position === undefined) return message;
  const before = text.slice(0, Number(position));
  const line = before.split("\n").length;
  const column = Number(position) - before.lastIndexOf("\n");
  return `${message.replace(/\s*\(line \d+ column \d+\)$/, "")} (line ${line}, column ${column})`;
}

function nameOf(source: string, document: unknown): string {
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new PolicyFileError(source, [
      "is not a policy: expected a mapping with name, subjects, resources and rules",
    ]);
  }
  const name = (document as Record<string, unknown>)["name"];
  if (typeof name !== "string" || name === "") {
    throw new PolicyFileError(source, [
      "name: is required: every policy is named (name: prod-engineers)",
    ]);
  }
  return name;
}
