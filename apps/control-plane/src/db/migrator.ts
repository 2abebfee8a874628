// Applies prisma/migrations to a Postgres database the way `prisma migrate deploy`
// does, without Prisma's schema engine (it cannot be downloaded on our machines nor
// in air-gapped installs; see docs/design/0001-foundation.md, "Migrations").
//
// Compatibility with Prisma is the point, so both tools can manage the same database:
// - progress is recorded in Prisma's own `_prisma_migrations` table, created with
//   Prisma's exact DDL, one row per applied migration, checksum = sha256 hex of
//   migration.sql (a CRLF/LF difference is tolerated, as Prisma does);
// - replicas serialise on Prisma's own advisory lock key, so this also waits for (and
//   blocks) a concurrent `prisma migrate deploy`.
//
// Unlike Prisma, each migration runs in one transaction together with its
// `_prisma_migrations` row: a failure leaves neither schema changes nor a failed row
// behind, and the next start retries it. Failed rows left by Prisma itself are refused
// with instructions, never skipped.
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";

/** Prisma Migrate's advisory lock key (prisma-engines, postgres flavour). */
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

const MIGRATION_FILE = "migration.sql";
const LOCK_FILE = "migration_lock.toml";

// Prisma's DDL for its bookkeeping table, verbatim apart from IF NOT EXISTS.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

interface LocalMigration {
  name: string;
  script: string;
  checksum: string;
}

interface RecordedMigration {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  started_at: Date;
}

export async function applyMigrations(opts: {
  databaseUrl: string;
  migrationsDir: string;
  log?: (msg: string) => void;
}): Promise<{ applied: string[] }> {
  const log = opts.log ?? (() => undefined);
  const migrations = await readMigrations(opts.migrationsDir);
  const client = new pg.Client({
    connectionString: opts.databaseUrl,
    application_name: "airlock-migrate",
  });
  // A connection lost while idle is reported here; the pending query rejects anyway.
  client.on("error", () => undefined);
  try {
    await connect(client);
    await takeLock(client, log);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const recorded = await readRecorded(client);
    const pending = planMigrations(migrations, recorded, log);
    const applied: string[] = [];
    for (const migration of pending) {
      await applyOne(client, migration, log);
      applied.push(migration.name);
    }
    if (applied.length === 0) {
      log(`database schema is up to date (${migrations.length} migrations)`);
    }
    return { applied };
  } catch (err) {
    throw redacted(err, opts.databaseUrl);
  } finally {
    // Ending the session also releases the advisory lock.
    await client.end().catch(() => undefined);
  }
}

/**
 * Finds `prisma/migrations` (the folder holding migration_lock.toml) in `startDir`
 * or the nearest ancestor, so the lookup works from src/ (tests), from dist/ and
 * from an installed image that keeps the repository layout.
 */
export function findMigrationsDir(startDir: string): string {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, "prisma", "migrations");
    if (existsSync(path.join(candidate, LOCK_FILE))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(
        `no prisma/migrations folder (with ${LOCK_FILE}) found in ${startDir} or any parent; ` +
          "set AIRLOCK_MIGRATIONS_DIR to the folder that holds the migrations",
      );
    }
    dir = parent;
  }
}

async function readMigrations(migrationsDir: string): Promise<LocalMigration[]> {
  let entries;
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (err) {
    throw new Error(`cannot read the migrations folder ${migrationsDir}: ${messageOf(err)}`);
  }
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) {
    throw new Error(
      `no migrations found in ${migrationsDir}: expected <timestamp>_<name>/${MIGRATION_FILE} folders`,
    );
  }
  const migrations: LocalMigration[] = [];
  for (const name of names) {
    const file = path.join(migrationsDir, name, MIGRATION_FILE);
    let script: string;
    try {
      script = await readFile(file, "utf8");
    } catch (err) {
      throw new Error(
        `migration ${name} has no readable ${MIGRATION_FILE} (${file}): ${messageOf(err)}`,
      );
    }
    migrations.push({ name, script, checksum: sha256Hex(script) });
  }
  return migrations;
}

async function connect(client: pg.Client): Promise<void> {
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`cannot connect to the database to migrate it: ${messageOf(err)}`);
  }
}

async function takeLock(client: pg.Client, log: (msg: string) => void): Promise<void> {
  const tried = await client.query<{ locked: boolean }>(
    "SELECT pg_try_advisory_lock($1::bigint) AS locked",
    [PRISMA_MIGRATE_LOCK_KEY],
  );
  if (tried.rows[0]?.locked === true) return;
  log(
    `another process is migrating this database; waiting for advisory lock ${PRISMA_MIGRATE_LOCK_KEY}`,
  );
  await client.query("SELECT pg_advisory_lock($1::bigint)", [PRISMA_MIGRATE_LOCK_KEY]);
}

async function readRecorded(client: pg.Client): Promise<RecordedMigration[]> {
  // Rows marked rolled back (`prisma migrate resolve --rolled-back`) no longer count.
  const result = await client.query<RecordedMigration>(
    `SELECT migration_name, checksum, finished_at, started_at
       FROM _prisma_migrations
      WHERE rolled_back_at IS NULL
      ORDER BY started_at, migration_name`,
  );
  return result.rows;
}

function planMigrations(
  migrations: LocalMigration[],
  recorded: RecordedMigration[],
  log: (msg: string) => void,
): LocalMigration[] {
  const unfinished = recorded.find((row) => row.finished_at === null);
  if (unfinished) {
    const name = unfinished.migration_name;
    throw new Error(
      `migration ${name} started at ${unfinished.started_at.toISOString()} but never finished ` +
        "(an earlier `prisma migrate deploy` failed part-way); nothing was applied. " +
        `Check what it changed in the database, then either undo that and mark it rolled back ` +
        `(\`prisma migrate resolve --rolled-back ${name}\`, or ` +
        `UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '${name}' AND finished_at IS NULL) ` +
        `so it runs again, or complete it by hand and mark it applied (\`prisma migrate resolve --applied ${name}\`)`,
    );
  }
  const local = new Map(migrations.map((m) => [m.name, m]));
  const finished = new Set<string>();
  for (const row of recorded) {
    const migration = local.get(row.migration_name);
    if (!migration) {
      log(
        `database has migration ${row.migration_name}, which is not in the migrations folder (applied by a newer release?)`,
      );
      continue;
    }
    if (!scriptMatchesChecksum(migration.script, row.checksum)) {
      throw new Error(
        `migration ${migration.name} was edited after it was applied ` +
          `(recorded checksum ${row.checksum}, ${MIGRATION_FILE} now hashes to ${migration.checksum}); nothing was applied. ` +
          "Restore the applied file from version control and put the change in a new migration",
      );
    }
    finished.add(migration.name);
  }
  return migrations.filter((m) => !finished.has(m.name));
}

async function applyOne(
  client: pg.Client,
  migration: LocalMigration,
  log: (msg: string) => void,
): Promise<void> {
  log(`applying migration ${migration.name}`);
  const startedAt = new Date();
  try {
    await client.query("BEGIN");
    await client.query(migration.script);
    await client.query(
      `INSERT INTO _prisma_migrations
         (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
       VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, $4, 1)`,
      [randomUUID(), migration.checksum, migration.name, startedAt],
    );
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw new Error(
      `migration ${migration.name} failed and was rolled back, nothing from it was applied: ${messageOf(err)}`,
    );
  }
  log(`applied migration ${migration.name} in ${Date.now() - startedAt.getTime()} ms`);
}

/** Prisma's rule: the file matches as is, with CRLF turned into LF, or LF into CRLF. */
function scriptMatchesChecksum(script: string, checksum: string): boolean {
  const variants = [script, script.replace(/\r\n/g, "\n"), script.replace(/\r?\n/g, "\r\n")];
  return variants.some((variant) => sha256Hex(variant) === checksum);
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === "string" && code !== "" ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

/**
 * A fresh error carrying only the message, with the connection URL and its password
 * cut out: driver errors can echo connection details, and a cause could carry more.
 */
function redacted(err: unknown, databaseUrl: string): Error {
  let message = messageOf(err);
  for (const secret of secretsOf(databaseUrl)) message = message.split(secret).join("***");
  return new Error(message);
}

function secretsOf(databaseUrl: string): string[] {
  const secrets = [databaseUrl];
  try {
    const password = decodeURIComponent(new URL(databaseUrl).password);
    if (password !== "") secrets.push(password, encodeURIComponent(password));
  } catch {
    // Not a URL (e.g. a keyword/value string): only the whole string is cut out.
  }
  return secrets.filter((s) => s.length > 0);
}
