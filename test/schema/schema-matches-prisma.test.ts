// The hand-written migrations produce exactly the database schema.prisma declares:
// tables, columns (type, nullability, default), primary keys, unique and plain
// indexes, foreign keys (with their actions) and enums, all under Prisma's names.
// And the checker is itself checked: a deliberately broken migration must be caught.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations } from "../../apps/control-plane/src/db/migrator";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { databaseFacts } from "./database-schema-facts";
import { expectedFacts } from "./prisma-schema-facts";
import { diffFacts } from "./schema-facts";

const REPO = path.resolve(__dirname, "../..");
const SCHEMA = path.join(REPO, "prisma/schema.prisma");
const MIGRATIONS = path.join(REPO, "prisma/migrations");
const INIT_SQL = "20261125000000_init/migration.sql";

const databases: TestDatabase[] = [];
const tempDirs: string[] = [];

afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function migratedDatabase(migrationsDir: string): Promise<string> {
  const db = await createTestDatabase();
  databases.push(db);
  await applyMigrations({ databaseUrl: db.url, migrationsDir });
  return db.url;
}

let migratedRepoSchema: Promise<string[]> | undefined;
/** Facts of one database migrated with the repository's migrations, shared by the tests. */
function repoDatabaseFacts(): Promise<string[]> {
  migratedRepoSchema ??= migratedDatabase(MIGRATIONS).then(databaseFacts);
  return migratedRepoSchema;
}

async function expectedFromSchemaPrisma(): Promise<string[]> {
  return expectedFacts(await readFile(SCHEMA, "utf8"));
}

describe("the migrated database matches schema.prisma", () => {
  it("has every table, column, key, index, foreign key and enum schema.prisma declares, and nothing else", async () => {
    const expected = await expectedFromSchemaPrisma();
    const actual = await repoDatabaseFacts();
    expect(diffFacts(expected, actual)).toEqual({ missingFromDatabase: [], notInSchemaPrisma: [] });
  });

  it("declares every non-unique @@index of schema.prisma as a database index", async () => {
    const expected = await expectedFromSchemaPrisma();
    const actual = new Set(await repoDatabaseFacts());
    const plainIndexes = expected.filter((fact) => fact.startsWith("index "));
    const declared = (await readFile(path.join(REPO, "prisma/schema.prisma"), "utf8")).match(
      /@@index\(/g,
    );
    expect(declared?.length).toBeGreaterThan(0);
    expect(plainIndexes).toHaveLength(declared!.length);
    expect(plainIndexes.filter((fact) => !actual.has(fact))).toEqual([]);
  });

  it("reports each difference when a migration does not match (the checker catches a broken migration)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "airlock-broken-migrations-"));
    tempDirs.push(dir);
    await cp(MIGRATIONS, dir, { recursive: true });
    const file = path.join(dir, INIT_SQL);
    let sql = await readFile(file, "utf8");
    const breakOnce = (from: string, to: string): void => {
      expect(
        sql.split(from),
        `expected exactly one ${JSON.stringify(from)} in ${INIT_SQL}`,
      ).toHaveLength(2);
      sql = sql.replace(from, to);
    };
    // users.name made nullable
    breakOnce(
      '"id" UUID NOT NULL,\n    "name" TEXT NOT NULL,\n    "display_name"',
      '"id" UUID NOT NULL,\n    "name" TEXT,\n    "display_name"',
    );
    // connectors.hostname missing
    breakOnce('    "hostname" TEXT,\n', "");
    // connections.port with the wrong type
    breakOnce('"port" INTEGER NOT NULL', '"port" BIGINT NOT NULL');
    // api_keys.user_id foreign key with the wrong ON DELETE action
    breakOnce(
      'REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;\n\n-- AddForeignKey\nALTER TABLE "connector_tokens"',
      'REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;\n\n-- AddForeignKey\nALTER TABLE "connector_tokens"',
    );
    // an @@index missing
    breakOnce(
      '-- CreateIndex\nCREATE INDEX "sessions_user_id_started_at_idx" ON "sessions"("user_id", "started_at");\n\n',
      "",
    );
    // an enum value missing
    breakOnce("('admin', 'auditor', 'user')", "('admin', 'user')");
    // a unique index that is not unique
    breakOnce('CREATE UNIQUE INDEX "api_keys_prefix_key"', 'CREATE INDEX "api_keys_prefix_key"');
    await writeFile(file, sql);

    const diff = diffFacts(
      await expectedFromSchemaPrisma(),
      await databaseFacts(await migratedDatabase(dir)),
    );

    expect(diff).toEqual({
      missingFromDatabase: [
        "column connections.port integer NOT NULL default none",
        "column connectors.hostname text NULL default none",
        "column users.name text NOT NULL default none",
        "enum Role (admin, auditor, user)",
        "foreign key api_keys_user_id_fkey on api_keys (user_id) references users (id) on delete Cascade on update Cascade",
        "index sessions_user_id_started_at_idx on sessions using btree (user_id, started_at)",
        "unique index api_keys_prefix_key on api_keys using btree (prefix)",
      ],
      notInSchemaPrisma: [
        "column connections.port bigint NOT NULL default none",
        "column users.name text NULL default none",
        "enum Role (admin, user)",
        "foreign key api_keys_user_id_fkey on api_keys (user_id) references users (id) on delete Restrict on update Cascade",
        "index api_keys_prefix_key on api_keys using btree (prefix)",
      ],
    });
  });
});
