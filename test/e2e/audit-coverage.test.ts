// Every configuration change is audited (docs/design/0010-audit.md, "The event"): policies,
// connections, connectors and their tokens, a connector connecting and disconnecting, API
// keys, users and webhooks. Each change made through the REST API as the bootstrap admin
// writes one row with its code, outcome, the caller as actor (the system, null, for a
// connector's connection) and where; no row holds any secret used on the way.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { ControlPlane, type Proc, startConnector, waitUntil } from "./harness";

interface EventRow {
  id: string;
  code: string;
  outcome: string;
  actor_id: string | null;
  actor_name: string | null;
  actor_kind: string | null;
  connection_name: string | null;
  connector_name: string | null;
  source_address: string | null;
  data: Record<string, unknown>;
}

const POLICY = {
  name: "audited",
  subjects: { groups: ["engineers"] },
  resources: { tags: { env: "prod" } },
  rules: [{ id: "reads", match: { sql: { statements: ["select"] } }, action: "allow" }],
};
const POLICY_CHANGED = {
  ...POLICY,
  rules: [
    ...POLICY.rules,
    { id: "no-drops", match: { sql: { statements: ["drop"] } }, action: "deny" },
  ],
};

const CONFIG_AREAS = /^(policy|connection|connector|api_key|user|webhook)\./;

const PASSWORD = "conn-Pa55word-never-audited";
const NEW_PASSWORD = "conn-Pa55word-rotated-never-audited";
const WEBHOOK_SECRET = "whsec-audit-coverage-0123456789";
const WEBHOOK_URL = "https://hooks.example.com/services/T000/B000/chat-url-credential-xyz";

let db: TestDatabase;
let cp: ControlPlane;
let sql: pg.Client;
let adminId: string;
const procs: Proc[] = [];
/** Every secret this file hands the control plane or gets from it. */
const secrets: string[] = [PASSWORD, NEW_PASSWORD, WEBHOOK_SECRET, "chat-url-credential-xyz"];

/** A token or key and its secret part (`alk_<kind>_<id>_<secret>`), both secrets. */
function keep(token: string): void {
  secrets.push(token, token.slice("alk_ctr_".length + 13));
}

async function events(code: string): Promise<EventRow[]> {
  const { rows } = await sql.query<EventRow>(
    `SELECT id::text, code, outcome, actor_id::text, actor_name, actor_kind, connection_name,
            connector_name, source_address, data
       FROM audit_events WHERE code = $1 ORDER BY id`,
    [code],
  );
  return rows;
}

/** The one event of `code`, written by the admin through the API. */
async function byAdmin(code: string, outcome: string): Promise<EventRow> {
  const rows = await events(code);
  expect(rows, code).toHaveLength(1);
  const row = rows[0]!;
  expect(row.outcome, code).toBe(outcome);
  expect(row.actor_id, code).toBe(adminId);
  expect(row.actor_name, code).toBe("admin");
  expect(row.actor_kind, code).toBe("human");
  return row;
}

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await ControlPlane.start({ databaseUrl: db.url });
  keep(cp.options.adminKey);
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  const { rows } = await sql.query<{ id: string }>("SELECT id FROM users WHERE name = 'admin'");
  adminId = rows[0]!.id;
});

afterAll(async () => {
  for (const p of procs) await p.stop("SIGKILL");
  await sql?.end();
  await cp?.proc.stop("SIGKILL");
  await db?.drop();
});

describe("audit coverage of configuration changes", () => {
  it("policies: policy.changed per new version, none when unchanged or a dry run; policy.deleted", async () => {
    const put = (document: unknown, query = "") =>
      cp.api().request("PUT", `/api/v1/policies/audited${query}`, { document });
    expect((await put(POLICY)).status).toBe(200);
    expect((await put(POLICY)).body.changed).toBe(false);
    expect((await put(POLICY_CHANGED, "?dryRun=true")).body.dryRun).toBe(true);
    expect((await put(POLICY_CHANGED)).body.version).toBe(2);

    const changed = await events("policy.changed");
    expect(changed.map((e) => e.data)).toEqual([
      { name: "audited", version: 1, previousVersion: null },
      { name: "audited", version: 2, previousVersion: 1 },
    ]);
    for (const e of changed) {
      expect(e.outcome).toBe("changed");
      expect([e.actor_name, e.actor_kind, e.actor_id]).toEqual(["admin", "human", adminId]);
    }

    expect((await cp.api().delete("/api/v1/policies/audited")).status).toBe(204);
    const deleted = await byAdmin("policy.deleted", "deleted");
    expect(deleted.data).toEqual({ name: "audited", version: 3, previousVersion: 2 });
  });

  let firstToken = "";

  it("connectors and their tokens: created, token_created, token_revoked (id and prefix only)", async () => {
    const created = await cp.api().post("/api/v1/connectors", { name: "edge" });
    expect(created.status).toBe(201);
    firstToken = created.body.token as string;
    keep(firstToken);
    const tokens = await cp.api().get("/api/v1/connectors/edge/tokens");
    const first = tokens.body.items[0] as { id: string; prefix: string };

    const row = await byAdmin("connector.created", "created");
    expect(row.connector_name).toBe("edge");
    expect(row.data).toEqual({
      id: created.body.connector.id,
      tokenId: first.id,
      tokenPrefix: first.prefix,
    });

    const issued = await cp.api().post("/api/v1/connectors/edge/tokens");
    expect(issued.status).toBe(201);
    keep(issued.body.token as string);
    const info = issued.body.tokenInfo as { id: string; prefix: string };
    const tokenCreated = await byAdmin("connector.token_created", "created");
    expect(tokenCreated.connector_name).toBe("edge");
    expect(tokenCreated.data).toEqual({
      connectorId: created.body.connector.id,
      tokenId: info.id,
      tokenPrefix: info.prefix,
    });

    const revoke = () => cp.api().delete(`/api/v1/connectors/edge/tokens/${info.id}`);
    expect((await revoke()).status).toBe(204);
    expect((await revoke()).status).toBe(204); // already revoked: nothing changes
    const revoked = await byAdmin("connector.token_revoked", "revoked");
    expect(revoked.connector_name).toBe("edge");
    expect(revoked.data).toMatchObject({ tokenId: info.id, tokenPrefix: info.prefix });
  });

  it("a connector connecting and disconnecting: system events with its version and address", async () => {
    const proc = startConnector(cp.grpcAddress, firstToken);
    procs.push(proc);
    const status = async () => (await cp.api().get("/api/v1/connectors/edge")).body.status;
    await waitUntil("edge online", async () => (await status()) === "online");
    const view = (await cp.api().get("/api/v1/connectors/edge")).body;
    await waitUntil(
      "connector.connected",
      async () => (await events("connector.connected")).length,
    );

    await proc.stop("SIGTERM");
    await waitUntil(
      "connector.disconnected",
      async () => (await events("connector.disconnected")).length,
    );

    const [connected] = await events("connector.connected");
    const [disconnected] = await events("connector.disconnected");
    for (const [e, outcome] of [
      [connected!, "connected"],
      [disconnected!, "disconnected"],
    ] as const) {
      expect(e.outcome).toBe(outcome);
      expect([e.actor_id, e.actor_name, e.actor_kind]).toEqual([null, null, null]);
      expect(e.connector_name).toBe("edge");
      expect(e.source_address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(e.data).toMatchObject({
        connectorId: view.id,
        version: view.version,
        address: e.source_address,
      });
    }
    expect(connected!.data).toMatchObject({ hostname: view.hostname, replacedStream: false });
    expect(typeof disconnected!.data["reason"]).toBe("string");
    expect(await events("connector.connected")).toHaveLength(1);
    expect(await events("connector.disconnected")).toHaveLength(1);
  });

  it("connections: created, changed (field names; the credential named only), deleted", async () => {
    const created = await cp.api().post("/api/v1/connections", {
      name: "orders",
      type: "postgres",
      connector: "edge",
      host: "db.internal",
      port: 5432,
      database: "orders",
      username: "app",
      tags: { env: "prod" },
      credential: { source: "stored", password: PASSWORD },
    });
    expect(created.status).toBe(201);
    const row = await byAdmin("connection.created", "created");
    expect([row.connection_name, row.connector_name]).toEqual(["orders", "edge"]);
    expect(row.data).toMatchObject({
      id: created.body.id,
      host: "db.internal",
      port: 5432,
      credential: "stored",
    });

    const unchanged = await cp.api().patch("/api/v1/connections/orders", { port: 5432 });
    expect(unchanged.status).toBe(200);
    const patched = await cp.api().patch("/api/v1/connections/orders", {
      host: "db2.internal",
      credential: { source: "stored", password: NEW_PASSWORD },
    });
    expect(patched.status).toBe(200);
    const changed = await byAdmin("connection.changed", "changed");
    expect([changed.connection_name, changed.connector_name]).toEqual(["orders", "edge"]);
    expect(changed.data).toEqual({
      id: created.body.id,
      changed: ["host", "credential"],
      from: { host: "db.internal" },
      to: { host: "db2.internal" },
      credential: "stored",
    });

    expect((await cp.api().delete("/api/v1/connections/orders")).status).toBe(204);
    const deleted = await byAdmin("connection.deleted", "deleted");
    expect([deleted.connection_name, deleted.connector_name]).toEqual(["orders", "edge"]);
    expect(deleted.data).toEqual({ id: created.body.id });
  });

  it("deleting the connector: connector.deleted", async () => {
    const id = (await cp.api().get("/api/v1/connectors/edge")).body.id;
    expect((await cp.api().delete("/api/v1/connectors/edge")).status).toBe(204);
    const row = await byAdmin("connector.deleted", "deleted");
    expect(row.connector_name).toBe("edge");
    expect(row.data).toEqual({ id });
  });

  it("API keys: created, rotated, revoked (holder, connections, expiry; never the key)", async () => {
    const created = await cp.api().post("/api/v1/api-keys", {
      name: "ci-robot",
      connections: ["orders"],
      expiresInDays: 30,
    });
    expect(created.status).toBe(201);
    keep(created.body.key as string);
    const key = created.body.apiKey;
    const row = await byAdmin("api_key.created", "created");
    expect(row.data).toEqual({
      id: key.id,
      prefix: key.prefix,
      name: "ci-robot",
      holder: "admin",
      holderId: adminId,
      connections: ["orders"],
      scopes: [],
      expiresAt: key.expiresAt,
    });

    const rotated = await cp.api().post(`/api/v1/api-keys/${key.id}/rotate`);
    expect(rotated.status).toBe(201);
    keep(rotated.body.key as string);
    const next = rotated.body.apiKey;
    const rotation = await byAdmin("api_key.rotated", "changed");
    expect(rotation.data).toMatchObject({
      id: next.id,
      previousId: key.id,
      holder: "admin",
      connections: ["orders"],
      expiresAt: key.expiresAt,
    });

    const revoke = () => cp.api().delete(`/api/v1/api-keys/${next.id}`);
    expect((await revoke()).status).toBe(204);
    expect((await revoke()).status).toBe(204); // already revoked: nothing changes
    const revoked = await byAdmin("api_key.revoked", "revoked");
    expect(revoked.data).toMatchObject({ id: next.id, name: "ci-robot", holder: "admin" });
  });

  it("users: created, changed (the changed fields; disabled reads disabled/enabled)", async () => {
    const created = await cp.api().post("/api/v1/users", { name: "dora", groups: ["dba"] });
    expect(created.status).toBe(201);
    const row = await byAdmin("user.created", "created");
    expect(row.data).toMatchObject({
      id: created.body.id,
      name: "dora",
      role: "user",
      kind: "human",
      groups: ["dba"],
      disabled: "enabled",
    });

    const patched = await cp
      .api()
      .patch("/api/v1/users/dora", { disabled: true, role: "auditor", groups: ["dba"] });
    expect(patched.status).toBe(200);
    const changed = await byAdmin("user.changed", "changed");
    expect(changed.data).toEqual({
      id: created.body.id,
      name: "dora",
      changed: ["role", "disabled"],
      from: { role: "user", disabled: "enabled" },
      to: { role: "auditor", disabled: "disabled" },
    });
  });

  it("webhooks: created and deleted, without the secret or the URL's path", async () => {
    const created = await cp.api().post("/api/v1/webhooks", {
      name: "chat",
      url: WEBHOOK_URL,
      secret: WEBHOOK_SECRET,
    });
    expect(created.status).toBe(201);
    const expected = {
      id: created.body.webhook.id,
      name: "chat",
      origin: "https://hooks.example.com",
      all: false,
    };
    expect((await byAdmin("webhook.created", "created")).data).toEqual(expected);
    expect((await cp.api().delete("/api/v1/webhooks/chat")).status).toBe(204);
    expect((await byAdmin("webhook.deleted", "deleted")).data).toEqual(expected);
  });

  it("no event holds a secret: tokens, keys, passwords, the webhook secret", async () => {
    const { rows } = await sql.query<{ code: string; text: string }>(
      "SELECT code, row_to_json(a)::text AS text FROM audit_events a ORDER BY id",
    );
    // The configuration areas' events, one per change above (other areas, e.g. the
    // retention job's audit.retention, may write meanwhile).
    const counts: Record<string, number> = {};
    for (const { code } of rows) {
      if (CONFIG_AREAS.test(code)) counts[code] = (counts[code] ?? 0) + 1;
    }
    expect(counts).toEqual({
      "policy.changed": 2,
      "policy.deleted": 1,
      "connector.created": 1,
      "connector.token_created": 1,
      "connector.token_revoked": 1,
      "connector.connected": 1,
      "connector.disconnected": 1,
      "connection.created": 1,
      "connection.changed": 1,
      "connection.deleted": 1,
      "connector.deleted": 1,
      "api_key.created": 1,
      "api_key.rotated": 1,
      "api_key.revoked": 1,
      "user.created": 1,
      "user.changed": 1,
      "webhook.created": 1,
      "webhook.deleted": 1,
    });
    // The admin key, two connector tokens, two API keys (each whole and its secret part).
    expect(secrets.length).toBe(4 + 2 * 5);
    for (const { text } of rows) {
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  });
});
