// A whole Airlock for one test file: its own store database, a target database
// with the demo data, the control plane, a connector, the CLI logged in, and
// `airlock connect` listening on a local port. Real processes throughout.
//
// Policies deny by default, so unless told otherwise the gateway applies (through the
// REST API) a permissive test policy: the user `admin` may run every statement kind on
// the test connection, opaque ones included, so the data-path tests test the data path.
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { RULE_STATEMENT_KINDS } from "../../packages/policy-core/src/sql/kinds";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { Cli, ControlPlane, Proc, freePort, repoRoot, startConnector, waitUntil } from "./harness";

export const pgBin = (() => {
  const res = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  return res.status === 0 ? res.stdout.trim() : "/usr/lib/postgresql/15/bin";
})();

/** Every statement kind a rule may name, straight from policy-core. */
export const ALL_STATEMENT_KINDS = RULE_STATEMENT_KINDS;

/** The policy Gateway.start applies by default: `admin` may do anything on `connection`. */
export function permissivePolicy(connection: string): Record<string, unknown> {
  return {
    name: "test-allow-all",
    description: "tests of the data path: admin may run anything on the test connection",
    subjects: { users: ["admin"] },
    resources: { connections: [connection] },
    rules: [
      {
        id: "everything",
        match: { sql: { statements: [...ALL_STATEMENT_KINDS] } },
        action: "allow",
      },
    ],
  };
}

export interface GatewayOptions {
  connection?: string;
  /** Tags of the test connection (e.g. env=demo for the demo policy). */
  tags?: Record<string, string>;
  /** "permissive" (default): apply permissivePolicy(); "none": no policy (deny by default). */
  policy?: "permissive" | "none";
  controlPlaneEnv?: Record<string, string>;
  /** The control plane's HTTP port, when it must be known beforehand (an IdP's redirect URI). */
  httpPort?: number;
}

export class Gateway {
  readonly procs: Proc[] = [];
  connect!: Proc;
  connector!: Proc;
  port = 0;

  private constructor(
    readonly store: TestDatabase,
    readonly target: TestDatabase,
    readonly cp: ControlPlane,
    readonly cli: Cli,
    readonly connection: string,
  ) {}

  static async start(options: GatewayOptions = {}): Promise<Gateway> {
    const connection = options.connection ?? "demo";
    const store = await createTestDatabase();
    const target = await createTestDatabase();
    await withClient(target.url, (c) =>
      c.query(readFileSync(path.join(repoRoot, "deploy/demo/seed.sql"), "utf8")),
    );
    const cp = await ControlPlane.start({
      databaseUrl: store.url,
      env: options.controlPlaneEnv,
      ...(options.httpPort === undefined ? {} : { httpPort: options.httpPort }),
    });
    const cli = new Cli();
    const gw = new Gateway(store, target, cp, cli, connection);

    const login = cli.run(
      ["login", "--api-key", "-", "--url", cp.httpUrl, "--grpc-address", cp.grpcAddress],
      cp.options.adminKey,
    );
    if (login.status !== 0) throw new Error(`login failed: ${login.stderr}`);
    const created = await cp.api().post("/api/v1/connectors", { name: "edge" });
    if (created.status !== 201) throw new Error(`connector: ${created.text}`);
    const targetUrl = new URL(target.url);
    const conn = await cp.api().post("/api/v1/connections", {
      name: connection,
      type: "postgres",
      connector: "edge",
      host: targetUrl.hostname,
      port: Number(targetUrl.port || 5432),
      database: target.name,
      username: "postgres",
      credential: { source: "none" },
      options: { sslmode: "disable" },
      ...(options.tags === undefined ? {} : { tags: options.tags }),
    });
    if (conn.status !== 201) throw new Error(`connection: ${conn.text}`);
    if ((options.policy ?? "permissive") === "permissive") {
      await gw.applyPolicy(permissivePolicy(connection));
    }
    gw.connector = startConnector(cp.grpcAddress, created.body.token);
    gw.procs.push(gw.connector);
    await waitUntil(
      "connector online",
      async () => (await cp.api().get("/api/v1/connectors/edge")).body.status === "online",
    );
    await gw.startConnect();
    return gw;
  }

  /** PUT /api/v1/policies/<name> with a JSON {document}; returns the version applied. */
  async applyPolicy(document: Record<string, unknown>): Promise<number> {
    const name = String(document["name"]);
    const res = await this.cp.api().request("PUT", `/api/v1/policies/${name}`, { document });
    if (res.status !== 200) throw new Error(`policy ${name}: ${res.text}`);
    return res.body.version as number;
  }

  /** PUT /api/v1/policies/<name> with the YAML text itself. */
  async applyYaml(name: string, text: string): Promise<number> {
    const res = await this.cp.api().request("PUT", `/api/v1/policies/${name}`, text, {
      "content-type": "application/yaml",
    });
    if (res.status !== 200) throw new Error(`policy ${name}: ${res.text}`);
    return res.body.version as number;
  }

  /** DELETE /api/v1/policies/<name>. */
  async deletePolicy(name: string): Promise<void> {
    const res = await this.cp.api().delete(`/api/v1/policies/${name}`);
    if (res.status !== 204) throw new Error(`delete policy ${name}: ${res.text}`);
  }

  /** Starts `airlock connect` on a free port and waits until it listens. */
  async startConnect(): Promise<void> {
    this.port = await freePort();
    this.connect = this.cli.spawn(["connect", this.connection, "--port", String(this.port)]);
    this.procs.push(this.connect);
    await this.connect.waitForOutput(/Listening on 127\.0\.0\.1:\d+/);
  }

  /** libpq connection string through the gateway. */
  get dsn(): string {
    return `host=127.0.0.1 port=${this.port} user=admin dbname=${this.connection} sslmode=disable`;
  }

  psql(args: string[], input?: string): SpawnSyncReturns<string> {
    return spawnSync("psql", [this.dsn, "-X", "-v", "ON_ERROR_STOP=1", ...args], {
      encoding: "utf8",
      input,
      timeout: 60_000,
      env: { PATH: process.env["PATH"] ?? "", PGCONNECT_TIMEOUT: "10" },
    });
  }

  psqlAsync(args: string[]) {
    return spawn("psql", [this.dsn, "-X", ...args], {
      env: { PATH: process.env["PATH"] ?? "", PGCONNECT_TIMEOUT: "10" },
      stdio: ["pipe", "pipe", "pipe"],
    });
  }

  /** A `pg` client through the gateway. */
  async client(): Promise<pg.Client> {
    const client = new pg.Client({
      host: "127.0.0.1",
      port: this.port,
      user: "admin",
      database: this.connection,
      ssl: false,
    });
    await client.connect();
    return client;
  }

  /** A `pg` client straight to the target, for checking what really happened. */
  async direct(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.target.url });
    await client.connect();
    return client;
  }

  /** Query the store (the control plane's own database). */
  async store_<T extends pg.QueryResultRow = any>(
    sql: string,
    params: unknown[] = [],
  ): Promise<T[]> {
    return withClient(this.store.url, async (c) => (await c.query<T>(sql, params)).rows);
  }

  async stop(): Promise<void> {
    for (const p of [...this.procs].reverse()) await p.stop("SIGTERM", 5_000);
    await this.cp.proc.stop("SIGTERM", 5_000);
    await this.target.drop();
    await this.store.drop();
  }
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
