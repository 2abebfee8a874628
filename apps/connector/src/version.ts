import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The connector's version, from its package.json (one level above dist/ and src/). */
export function connectorVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));
    const version = (pkg as { version?: unknown }).version;
    return typeof version === "string" ? version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}
