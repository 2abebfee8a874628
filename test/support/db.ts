// A fresh, empty Postgres database per test file, on the Postgres that every
// development and CI machine runs (see /work/shared/ENVIRONMENT.md): tests never
// share a database, so they can run in parallel and leave nothing behind.
//
//   const db = await createTestDatabase();   // in beforeAll
//   ... db.url ...
//   await db.drop();                         // in afterAll
//
// TEST_PG_URL overrides the admin connection (any database on the server the test
// databases should live on; default postgresql://postgres@127.0.0.1:5432/postgres).
import { randomBytes } from "node:crypto";
import pg from "pg";

const DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  /** Its name, `airlock_t_<random>`. */
  name: string;
  /** Drops the database, closing any connection still open on it. Safe to call twice. */
  drop(): Promise<void>;
}

export function adminDatabaseUrl(): string {
  return process.env["TEST_PG_URL"] ?? DEFAULT_ADMIN_URL;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = adminDatabaseUrl();
  const name = `airlock_t_${randomBytes(6).toString("hex")}`;
  await runAdmin(adminUrl, `CREATE DATABASE ${name}`);
  const url = withDatabase(adminUrl, name);
  let dropped = false;
  return {
    url,
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await runAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

function withDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function runAdmin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
