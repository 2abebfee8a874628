// Runs `prisma generate` without the schema-engine download that Prisma's CLI
// attempts at start-up (generation does not use the engine; see
// docs/design/0001-foundation.md). Any existing file satisfies the check.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = "1";
env.CHECKPOINT_DISABLE = "1";
const prismaBin = path.join(root, "apps/control-plane/node_modules/.bin/prisma");
const result = spawnSync(prismaBin, ["generate", "--no-hints"], {
  cwd: root,
  env,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
