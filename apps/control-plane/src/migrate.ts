// `pnpm db:migrate` (node apps/control-plane/dist/migrate.js): applies pending
// migrations and exits. The control plane applies them at boot too; this entry is for
// operators who migrate as a separate release step.
//
//   DATABASE_URL            required, the database to migrate
//   AIRLOCK_MIGRATIONS_DIR  optional, defaults to the prisma/migrations folder found
//                           from this file's location upwards
//
// A one-shot tool with two settings reads them here directly rather than through the
// control plane's config schema, which requires the server's secrets too.
import path from "node:path";
import { applyMigrations, findMigrationsDir } from "./db/migrator";

const PREFIX = "db:migrate:";

async function main(): Promise<number> {
  const databaseUrl = process.env["DATABASE_URL"];
  if (databaseUrl === undefined || databaseUrl.trim() === "") {
    console.error(
      `${PREFIX} DATABASE_URL is not set; set it to the Postgres URL of the Airlock database`,
    );
    return 2;
  }
  const dirFromEnv = process.env["AIRLOCK_MIGRATIONS_DIR"];
  const migrationsDir =
    dirFromEnv !== undefined && dirFromEnv !== ""
      ? path.resolve(dirFromEnv)
      : findMigrationsDir(__dirname);
  console.log(`${PREFIX} migrations from ${migrationsDir}`);
  const { applied } = await applyMigrations({
    databaseUrl,
    migrationsDir,
    log: (msg) => console.log(`${PREFIX} ${msg}`),
  });
  console.log(
    applied.length === 0
      ? `${PREFIX} nothing to apply`
      : `${PREFIX} applied ${applied.length}: ${applied.join(", ")}`,
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // applyMigrations' errors never contain the database URL or its password.
    console.error(`${PREFIX} failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
