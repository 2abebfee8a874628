// The local Postgres: where its programs are, the bench databases, and resets between runs.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { runCommand } from "./procs.mjs";

export const BENCH_DB = "airlock_bench";
export const STORE_DB = "airlock_bench_store";

/** Override with BENCH_PG_URL (a superuser URL on a database that exists, trust auth). */
export const adminUrl = process.env.BENCH_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const admin = new URL(adminUrl);
export const pgHost = admin.hostname;
export const pgPort = Number(admin.port || 5432);
export const pgUser = decodeURIComponent(admin.username || "postgres");

export function urlFor(database) {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Environment for libpq programs: no TLS on loopback (same for every path), no ~/.psqlrc. */
export function libpqEnv() {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    PGSSLMODE: "disable",
    PGCONNECT_TIMEOUT: "10",
    PGPASSWORD: decodeURIComponent(admin.password || ""),
  };
}

export function pgBin(program) {
  let dir;
  try {
    dir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
  } catch {
    dir = undefined;
  }
  const candidate = dir ? path.join(dir, program) : undefined;
  if (candidate && existsSync(candidate)) return candidate;
  try {
    return execFileSync("sh", ["-c", `command -v ${program}`], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(
      `${program} not found: install the Postgres client programs (pg_config --bindir must hold ${program})`,
    );
  }
}

export async function withClient(database, fn) {
  const client = new pg.Client({ connectionString: urlFor(database) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const ident = (name) => `"${name.replaceAll('"', '""')}"`;

export async function recreateDatabase(name) {
  await withClient(admin.pathname.slice(1) || "postgres", async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${ident(name)}`);
  });
}

/** Diagnostic only: commits in `name` stop waiting for the WAL flush. */
export async function asyncCommit(name) {
  await withClient(admin.pathname.slice(1) || "postgres", (c) =>
    c.query(`ALTER DATABASE ${ident(name)} SET synchronous_commit = off`),
  );
}

export async function dropDatabase(name) {
  await withClient(admin.pathname.slice(1) || "postgres", (c) =>
    c.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`),
  );
}

export async function serverVersion() {
  return withClient(admin.pathname.slice(1) || "postgres", async (c) => {
    const { rows } = await c.query("SHOW server_version");
    return rows[0].server_version;
  });
}

export async function pgbenchInit(scale, { verbose }) {
  const res = await runCommand(
    pgBin("pgbench"),
    ["-i", "-q", "-s", String(scale), "-h", pgHost, "-p", String(pgPort), "-U", pgUser, BENCH_DB],
    { env: libpqEnv(), timeoutMs: 600_000, echo: verbose },
  );
  if (res.code !== 0) throw new Error(`pgbench -i failed:\n${res.stderr || res.stdout}`);
}

/**
 * What pgbench does before a run without -n (vacuum the small tables, empty the history),
 * done directly so no gateway carries it, plus a checkpoint so no run inherits the previous
 * run's dirty pages.
 */
export async function resetBetweenRuns() {
  await withClient(BENCH_DB, async (c) => {
    await c.query("VACUUM pgbench_branches");
    await c.query("VACUUM pgbench_tellers");
    await c.query("TRUNCATE pgbench_history");
    await c.query("CHECKPOINT");
  });
}
