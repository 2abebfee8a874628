// REST admin API: health, OpenAPI, API-key authentication, roles, validation
// errors that name the field, and connections whose credentials never come back.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/db";
import { ControlPlane } from "./harness";

/** The secret part of `alk_key_<12 hex>_<secret>` (base64url: it may itself hold "_"). */
function secretOf(key: string): string {
  return key.slice("alk_key_".length + 12 + 1);
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: ControlPlane;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await ControlPlane.start({ databaseUrl: db.url });
});

afterAll(async () => {
  await cp?.proc.stop();
  await db?.drop();
});

describe("health and docs", () => {
  it("answers liveness and readiness without authentication", async () => {
    const anon = cp.api(null);
    expect((await anon.get("/healthz")).status).toBe(200);
    const ready = await anon.get("/readyz");
    expect(ready.status).toBe(200);
  });

  it("serves the OpenAPI document listing the admin routes", async () => {
    const res = await cp.api(null).get("/api/docs-json");
    expect(res.status).toBe(200);
    const paths = Object.keys(res.body.paths);
    expect(paths).toEqual(
      expect.arrayContaining(["/api/v1/connectors", "/api/v1/connections", "/api/v1/api-keys"]),
    );
    expect((await cp.api(null).get("/api/docs")).status).toBe(200);
  });
});

describe("API key authentication", () => {
  it("refuses a request without a key with 401", async () => {
    const res = await cp.api(null).get("/api/v1/connectors");
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthenticated");
    expect(res.body.error.message).toMatch(/Authorization/i);
  });

  it("refuses an unknown or malformed key with 401 and does not echo it", async () => {
    for (const key of [
      "alk_key_000000000000_" + "x".repeat(43),
      "garbage",
      cp.options.adminKey.slice(0, -2) + "zz",
    ]) {
      const res = await cp.api(key).get("/api/v1/connectors");
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("unauthenticated");
      expect(res.text).not.toContain(key);
    }
  });

  it("accepts the bootstrap admin key", async () => {
    const res = await cp.api().get("/api/v1/identity/whoami");
    expect(res.status).toBe(200);
    expect(res.body.user.name).toBe("admin");
    expect(res.body.user.role).toBe("admin");
  });

  it("stops accepting a key once it is revoked", async () => {
    const created = await cp.api().post("/api/v1/api-keys", { name: "ci-robot" });
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^alk_key_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect((await cp.api(key).get("/api/v1/identity/whoami")).status).toBe(200);

    const list = await cp.api().get("/api/v1/api-keys");
    expect(list.text).not.toContain(secretOf(key));

    expect((await cp.api().delete(`/api/v1/api-keys/${created.body.apiKey.id}`)).status).toBe(204);
    const after = await cp.api(key).get("/api/v1/identity/whoami");
    expect(after.status).toBe(401);
    expect(after.body.error.message).toMatch(/revoked/);
  });

  it("stores only a hash of each key", async () => {
    const created = await cp.api().post("/api/v1/api-keys", { name: "hash-check" });
    const secret = secretOf(created.body.key as string);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT * FROM api_keys");
      expect(JSON.stringify(rows)).not.toContain(secret);
      expect(rows.length).toBeGreaterThanOrEqual(2);
    } finally {
      await client.end();
    }
  });

  it("forbids admin routes to a key of a non-admin user with 403", async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    let userKey: string;
    try {
      const created = await cp.api().post("/api/v1/api-keys", { name: "plain-user" });
      userKey = created.body.key;
      // Make the key's owner a plain user (issue 7 adds user management).
      await client.query(
        "INSERT INTO users (id, name, role, updated_at) VALUES (gen_random_uuid(), 'alice', 'user', now())",
      );
      await client.query(
        "UPDATE api_keys SET user_id = (SELECT id FROM users WHERE name = 'alice') WHERE id = $1",
        [created.body.apiKey.id],
      );
    } finally {
      await client.end();
    }
    const res = await cp.api(userKey).get("/api/v1/connectors");
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("permission_denied");
    const me = await cp.api(userKey).get("/api/v1/identity/whoami");
    expect(me.status).toBe(200);
    expect(me.body.user.name).toBe("alice");
  });
});

describe("validation errors name the field", () => {
  it("rejects a connection with a bad port", async () => {
    await cp.api().post("/api/v1/connectors", { name: "val-conn" });
    const res = await cp.api().post("/api/v1/connections", {
      name: "bad-port",
      type: "postgres",
      connector: "val-conn",
      host: "127.0.0.1",
      port: 70000,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_input");
    expect(res.body.error.field).toBe("port");
    expect(res.body.error.message).toMatch(/port/);
  });

  it("rejects unknown fields by name", async () => {
    const res = await cp.api().post("/api/v1/connectors", { name: "x1", colour: "blue" });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/colour/);
  });

  it("rejects malformed JSON", async () => {
    const res = await cp
      .api()
      .request("POST", "/api/v1/connectors", "{not json", { "content-type": "application/json" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_input");
  });

  it("rejects a bad connector name", async () => {
    const res = await cp.api().post("/api/v1/connectors", { name: "Not A Name!" });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe("name");
  });

  it("rejects a connection whose connector does not exist, naming it", async () => {
    const res = await cp.api().post("/api/v1/connections", {
      name: "orphan",
      type: "postgres",
      connector: "no-such-connector",
      host: "127.0.0.1",
      port: 5432,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe("connector");
    expect(res.body.error.message).toMatch(/no-such-connector/);
  });

  it("answers 404 with the error body for unknown routes and ids", async () => {
    const route = await cp.api().get("/api/v1/nope");
    expect(route.status).toBe(404);
    expect(route.body.error.code).toBe("not_found");
    const id = await cp.api().get("/api/v1/connections/does-not-exist");
    expect(id.status).toBe(404);
    expect(id.body.error.message).toMatch(/does-not-exist/);
  });
});

describe("connections", () => {
  const password = "Sup3r-Secret-Target-Password";

  it("creates, reads, updates and deletes a connection without ever returning its secret", async () => {
    await cp.api().post("/api/v1/connectors", { name: "conn-owner" });
    const created = await cp.api().post("/api/v1/connections", {
      name: "pg-prod",
      type: "postgres",
      connector: "conn-owner",
      host: "db.internal",
      port: 5432,
      database: "app",
      username: "app_ro",
      tags: { env: "prod", team: "payments" },
      credential: { source: "stored", password },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "pg-prod",
      type: "postgres",
      connector: { name: "conn-owner" },
      host: "db.internal",
      port: 5432,
      database: "app",
      username: "app_ro",
      tags: { env: "prod", team: "payments" },
      credential: { source: "stored" },
    });

    const reads = [
      created,
      await cp.api().get("/api/v1/connections/pg-prod"),
      await cp.api().get(`/api/v1/connections/${created.body.id}`),
      await cp.api().get("/api/v1/connections"),
      await cp.api().patch("/api/v1/connections/pg-prod", { port: 6432, tags: { env: "staging" } }),
    ];
    for (const res of reads) {
      expect(res.status).toBeLessThan(300);
      expect(res.text).not.toContain(password);
      expect(res.text).not.toMatch(/ciphertext/i);
    }
    expect(reads[4]!.body).toMatchObject({ port: 6432, tags: { env: "staging" } });

    const envRef = await cp.api().patch("/api/v1/connections/pg-prod", {
      credential: { source: "connector_env", envRef: "AIRLOCK_SECRET_PG_PROD" },
    });
    expect(envRef.status).toBe(200);
    expect(envRef.body.credential).toEqual({
      source: "connector_env",
      envRef: "AIRLOCK_SECRET_PG_PROD",
    });

    expect((await cp.api().delete("/api/v1/connections/pg-prod")).status).toBe(204);
    expect((await cp.api().get("/api/v1/connections/pg-prod")).status).toBe(404);
  });

  it("stores the password encrypted, bound to its row", async () => {
    await cp.api().post("/api/v1/connectors", { name: "enc-owner" });
    const a = await cp.api().post("/api/v1/connections", {
      name: "enc-a",
      type: "postgres",
      connector: "enc-owner",
      host: "h",
      port: 5432,
      credential: { source: "stored", password },
    });
    expect(a.status).toBe(201);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        "SELECT credential_ciphertext FROM connections WHERE name = 'enc-a'",
      );
      const blob: Buffer = rows[0].credential_ciphertext;
      expect(blob.length).toBeGreaterThan(29);
      expect(blob.toString("latin1")).not.toContain(password);
      expect(blob.toString("latin1")).not.toContain(password.slice(0, 8));
    } finally {
      await client.end();
    }
  });

  it("accepts only AIRLOCK_SECRET_ environment references", async () => {
    await cp.api().post("/api/v1/connectors", { name: "env-owner" });
    const res = await cp.api().post("/api/v1/connections", {
      name: "env-bad",
      type: "postgres",
      connector: "env-owner",
      host: "h",
      port: 5432,
      credential: { source: "connector_env", envRef: "AIRLOCK_CONNECTOR_TOKEN" },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/AIRLOCK_SECRET_/);
  });

  it("refuses a duplicate name with 409", async () => {
    await cp.api().post("/api/v1/connectors", { name: "dup-owner" });
    const body = { name: "dup", type: "postgres", connector: "dup-owner", host: "h", port: 1 };
    expect((await cp.api().post("/api/v1/connections", body)).status).toBe(201);
    const again = await cp.api().post("/api/v1/connections", body);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("conflict");
  });

  it("never writes the password to the control plane's log", () => {
    expect(cp.proc.output.length).toBeGreaterThan(0);
    expect(cp.proc.output).not.toContain(password);
    expect(cp.proc.output).not.toContain(cp.options.adminKey);
  });
});
