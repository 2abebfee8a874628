// Writes a bench run's results as `<base>.md` and `<base>.json`, formatted the way
// `pnpm lint` (prettier --check) wants them; returns the paths relative to the repo.
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";

export function writeResultFiles(repoRoot, base, markdown, results) {
  writeFileSync(`${base}.md`, `${markdown}\n`);
  writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  const prettier = path.join(repoRoot, "node_modules/.bin/prettier");
  if (existsSync(prettier)) {
    try {
      execFileSync(prettier, ["--write", "--log-level", "warn", `${base}.md`, `${base}.json`]);
    } catch {
      // formatting is a nicety
    }
  }
  return [`${base}.md`, `${base}.json`].map((f) => path.relative(repoRoot, f));
}
