// The control plane's version, from its package.json (dist/ and src/ sit next to it).
import { readFileSync } from "node:fs";
import path from "node:path";

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as {
      version?: unknown;
    };
    return typeof pkg.version === "string" ? pkg.version : "0.0.0-unknown";
  } catch {
    return "0.0.0-unknown";
  }
}

export const CONTROL_PLANE_VERSION = readVersion();
