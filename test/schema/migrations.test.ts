// The migrator: applies prisma/migrations once, records them in Prisma's own
// `_prisma_migrations` table the way Prisma does, refuses edited or half-applied
// migrations by name, serialises concurrent runs, and never leaks the database URL.
import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations, findMigrationsDir } from "../../apps/control-plane/src/db/migrator";
import { createTestDatabase, type TestDatabase } from "../support/db";

const REPO = path.resolve(__dirname, "../..");
const MIGRATIONS = path.join(REPO, "prisma/migrations");
const INIT = "20261125000000_init";

/** The repository's migrations, in the order they apply. */
async function repoMigrationNames(): Promise<string[]> {
  const entries = await readdir(MIGRATIONS, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

const databases: TestDatabase[] = [];
const tempDirs: string[] = [];

afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function freshDatabase(): Promise<string> {
  const db = await createTestDatabase();
  databases.push(db);
  return db.url;
}

/** A scratch copy of the repository's migrations that a test may edit or extend. */
async function migrationsCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "airlock-migrations-"));
  tempDirs.push(dir);
  await cp(MIGRATIONS, dir, { recursive: true });
  return dir;
}

async function addMigration(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(path.join(dir, name));
  await writeFile(path.join(dir, name, "migration.sql"), sql);
}

async function query<R extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

const rows = (url: string): Promise<MigrationRow[]> =>
  query<MigrationRow>(url, "SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name");

const sha256 = (bytes: Buffer | string): string => createHash("sha256").update(bytes).digest("hex");

describe("migrations are idempotent", () => {
  it("applies every migration folder, in name order, on a fresh database and nothing on the second run", async () => {
    const url = await freshDatabase();
    const folders = (await readdir(MIGRATIONS, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(folders).toContain(INIT);

    const logged: string[] = [];
    const first = await applyMigrations({
      databaseUrl: url,
      migrationsDir: MIGRATIONS,
      log: (m) => logged.push(m),
    });
    expect(first.applied).toEqual(folders);
    expect(logged).toContain(`applying migration ${INIT}`);

    const second = await applyMigrations({ databaseUrl: url, migrationsDir: MIGRATIONS });
    expect(second.applied).toEqual([]);
    expect((await rows(url)).map((r) => r.migration_name)).toEqual(folders);
  });

  it("records each migration as Prisma does: one finished row whose checksum is the sha256 of migration.sql", async () => {
    const url = await freshDatabase();
    await applyMigrations({ databaseUrl: url, migrationsDir: MIGRATIONS });
    const recorded = (await rows(url)).filter((r) => r.migration_name === INIT);
    expect(recorded).toHaveLength(1);
    const row = recorded[0]!;
    const file = await readFile(path.join(MIGRATIONS, INIT, "migration.sql"));
    expect(row.checksum).toBe(sha256(file));
    expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(row.finished_at).toBeInstanceOf(Date);
    expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
    expect(row.rolled_back_at).toBeNull();
    expect(row.logs).toBeNull();
    expect(row.applied_steps_count).toBe(1);
  });

  it("creates _prisma_migrations with exactly Prisma's columns", async () => {
    const url = await freshDatabase();
    await applyMigrations({ databaseUrl: url, migrationsDir: MIGRATIONS });
    const columns = await query<{
      name: string;
      type: string;
      not_null: boolean;
      dflt: string | null;
    }>(
      url,
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
              pg_get_expr(d.adbin, d.adrelid) AS dflt
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = '_prisma_migrations'::regclass AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
    );
    expect(columns).toEqual([
      { name: "id", type: "character varying(36)", not_null: true, dflt: null },
      { name: "checksum", type: "character varying(64)", not_null: true, dflt: null },
      { name: "finished_at", type: "timestamp with time zone", not_null: false, dflt: null },
      { name: "migration_name", type: "character varying(255)", not_null: true, dflt: null },
      { name: "logs", type: "text", not_null: false, dflt: null },
      { name: "rolled_back_at", type: "timestamp with time zone", not_null: false, dflt: null },
      { name: "started_at", type: "timestamp with time zone", not_null: true, dflt: "now()" },
      { name: "applied_steps_count", type: "integer", not_null: true, dflt: "0" },
    ]);
    const pk = await query<{ def: string }>(
      url,
      "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = '_prisma_migrations'::regclass AND contype = 'p'",
    );
    expect(pk).toEqual([{ def: "PRIMARY KEY (id)" }]);
  });

  it("applies migrations added later, in name order, and only those", async () => {
    const dir = await migrationsCopy();
    const url = await freshDatabase();
    await applyMigrations({ databaseUrl: url, migrationsDir: dir });
    await addMigration(
      dir,
      "20990102000000_second",
      'CREATE TABLE "second" ("id" INTEGER NOT NULL);\n',
    );
    await addMigration(
      dir,
      "20990101000000_first",
      'CREATE TABLE "first" ("id" INTEGER NOT NULL);\n',
    );
    const result = await applyMigrations({ databaseUrl: url, migrationsDir: dir });
    expect(result.applied).toEqual(["20990101000000_first", "20990102000000_second"]);
    expect((await applyMigrations({ databaseUrl: url, migrationsDir: dir })).applied).toEqual([]);
  });

  it("refuses a migration edited after it was applied, naming it, and applies nothing", async () => {
    const dir = await migrationsCopy();
    const url = await freshDatabase();
    await applyMigrations({ databaseUrl: url, migrationsDir: dir });
    const file = path.join(dir, INIT, "migration.sql");
    await writeFile(file, `${await readFile(file, "utf8")}\n-- a later edit\n`);
    await addMigration(
      dir,
      "20990101000000_next",
      'CREATE TABLE "next" ("id" INTEGER NOT NULL);\n',
    );

    await expect(applyMigrations({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(
      `migration ${INIT} was edited after it was applied`,
    );
    expect((await rows(url)).map((r) => r.migration_name)).toEqual(await repoMigrationNames());
    expect(await query(url, "SELECT to_regclass('next') AS t")).toEqual([{ t: null }]);
  });

  it("accepts an applied migration whose line endings changed (git autocrlf), as Prisma does", async () => {
    const dir = await migrationsCopy();
    const url = await freshDatabase();
    await applyMigrations({ databaseUrl: url, migrationsDir: dir });
    const file = path.join(dir, INIT, "migration.sql");
    await writeFile(file, (await readFile(file, "utf8")).replace(/\n/g, "\r\n"));
    expect((await applyMigrations({ databaseUrl: url, migrationsDir: dir })).applied).toEqual([]);
  });

  it("refuses to go on while a migration is recorded as started but unfinished, and resumes once it is resolved", async () => {
    const dir = await migrationsCopy();
    const url = await freshDatabase();
    await applyMigrations({ databaseUrl: url, migrationsDir: dir });
    const name = "20990101000000_half_done";
    const sql = 'CREATE TABLE "half_done" ("id" INTEGER NOT NULL);\n';
    await addMigration(dir, name, sql);
    // What `prisma migrate deploy` leaves behind when a migration fails part-way.
    await query(
      url,
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at, applied_steps_count)
       VALUES ('00000000-0000-4000-8000-000000000001', $1, $2, 'ERROR: boom', now(), 0)`,
      [sha256(sql), name],
    );

    const refusal = applyMigrations({ databaseUrl: url, migrationsDir: dir });
    await expect(refusal).rejects.toThrow(`migration ${name} started at`);
    await expect(refusal).rejects.toThrow(`prisma migrate resolve --rolled-back ${name}`);
    expect(await query(url, "SELECT to_regclass('half_done') AS t")).toEqual([{ t: null }]);

    // The operator resolves it as rolled back: it runs again.
    await query(
      url,
      "UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = $1",
      [name],
    );
    expect((await applyMigrations({ databaseUrl: url, migrationsDir: dir })).applied).toEqual([
      name,
    ]);
    const recorded = (await rows(url)).filter((r) => r.migration_name === name);
    expect(recorded.map((r) => [r.rolled_back_at === null, r.finished_at === null])).toEqual([
      [false, true],
      [true, false],
    ]);
  });

  it("rolls a failing migration back whole, records nothing, names it, and applies it once fixed", async () => {
    const dir = await migrationsCopy();
    const url = await freshDatabase();
    await applyMigrations({ databaseUrl: url, migrationsDir: dir });
    const name = "20990101000000_broken";
    await addMigration(
      dir,
      name,
      'CREATE TABLE "broken" ("id" INTEGER NOT NULL);\nSELECT 1 / 0;\n',
    );

    await expect(applyMigrations({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(
      new RegExp(`migration ${name} failed and was rolled back.*division by zero`),
    );
    expect(await query(url, "SELECT to_regclass('broken') AS t")).toEqual([{ t: null }]);
    expect((await rows(url)).map((r) => r.migration_name)).toEqual(await repoMigrationNames());

    await writeFile(
      path.join(dir, name, "migration.sql"),
      'CREATE TABLE "broken" ("id" INTEGER NOT NULL);\n',
    );
    expect((await applyMigrations({ databaseUrl: url, migrationsDir: dir })).applied).toEqual([
      name,
    ]);
  });

  it("serialises concurrent runs on a fresh database: all succeed and each migration is applied once", async () => {
    const url = await freshDatabase();
    const runs = await Promise.all(
      [1, 2, 3].map(() => applyMigrations({ databaseUrl: url, migrationsDir: MIGRATIONS })),
    );
    expect(runs.flatMap((r) => r.applied).filter((name) => name === INIT)).toEqual([INIT]);
    expect((await rows(url)).filter((r) => r.migration_name === INIT)).toHaveLength(1);
  });

  it("never puts the database URL or its password in an error", async () => {
    const password = "hunter2-S3cret";
    const refused = `postgresql://postgres:${password}@127.0.0.1:1/airlock`;
    const missing = `postgresql://postgres:${password}@127.0.0.1:5432/airlock_t_does_not_exist`;
    for (const databaseUrl of [refused, missing]) {
      const error = await applyMigrations({ databaseUrl, migrationsDir: MIGRATIONS }).then(
        () => new Error("expected a failure"),
        (err: unknown) => err as Error,
      );
      expect(error.message).toMatch(/cannot connect to the database/);
      expect(error.message).not.toContain(password);
      expect(error.message).not.toContain(databaseUrl);
      expect(error.cause).toBeUndefined();
      expect(error.stack ?? "").not.toContain(password);
    }
  });

  it("fails with the folder's name when there is no migration to read", async () => {
    const empty = await mkdtemp(path.join(tmpdir(), "airlock-no-migrations-"));
    tempDirs.push(empty);
    await expect(
      applyMigrations({ databaseUrl: "postgresql://unused", migrationsDir: empty }),
    ).rejects.toThrow(`no migrations found in ${empty}`);
  });
});

describe("findMigrationsDir", () => {
  it("finds the repository's prisma/migrations from src/ or dist/ of the control plane", () => {
    expect(findMigrationsDir(path.join(REPO, "apps/control-plane/src"))).toBe(MIGRATIONS);
    expect(findMigrationsDir(path.join(REPO, "apps/control-plane/dist"))).toBe(MIGRATIONS);
  });

  it("says to set AIRLOCK_MIGRATIONS_DIR when there is none above the start folder", () => {
    expect(() => findMigrationsDir(tmpdir())).toThrow(/AIRLOCK_MIGRATIONS_DIR/);
  });
});
