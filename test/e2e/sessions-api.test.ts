// Sessions API (docs/design/0002-postgres-path.md, "Sessions API"): listing newest first,
// filters, keyset paging, one session with its commands, 400s that name the query field,
// and role rules (admins and auditors see all, a user only their own). The live data path
// is not used here: users, keys, sessions and commands are written with SQL.
// Also: connection options (TLS to the target) round-trip, and a bad PEM is refused.
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/db";
import { ControlPlane, newApiKey, repoRoot } from "./harness";

const CA = readFileSync(path.join(repoRoot, "apps/control-plane/test/fixtures/ca.pem"), "utf8");
const T0 = Date.parse("2026-03-01T10:00:00.000Z");
const minutes = (n: number): Date => new Date(T0 + n * 60_000);

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: ControlPlane;
let sql: pg.Client;

interface Fixture {
  users: Record<"admin" | "alice" | "bob" | "audrey", string>;
  keys: Record<"alice" | "bob" | "audrey", string>;
  connector: { id: string; name: string };
  connections: Record<"main" | "other", { id: string; name: string }>;
  /** Session ids by owner, in insertion order. */
  alice: string[];
  bob: string[];
  gone: string;
}
let fx: Fixture;

async function createUser(name: string, role: "admin" | "auditor" | "user"): Promise<string> {
  const { rows } = await sql.query<{ id: string }>(
    "INSERT INTO users (id, name, role, updated_at) VALUES (gen_random_uuid(), $1, $2, now()) RETURNING id",
    [name, role],
  );
  return rows[0]!.id;
}

/** An API key for `userId`, stored the way the control plane stores them: id + SHA-256(secret). */
async function createKey(userId: string): Promise<string> {
  const key = newApiKey();
  // alk_key_<12 hex>_<secret>; the secret is base64url, so it may itself hold "_".
  const prefix = key.slice(8, 20);
  const secret = key.slice(21);
  await sql.query(
    "INSERT INTO api_keys (id, user_id, name, prefix, secret_hash) VALUES (gen_random_uuid(), $1, 'test', $2, $3)",
    [userId, prefix, createHash("sha256").update(secret, "utf8").digest()],
  );
  return key;
}

interface SessionRow {
  userId: string;
  connection: { id: string | null; name: string };
  connectorId: string | null;
  status: "opening" | "active" | "closed" | "failed";
  startedAt: Date;
  endedAt?: Date;
  closeCode?: string;
  closeReason?: string;
}

async function insertSession(row: SessionRow): Promise<string> {
  const id = randomUUID();
  await sql.query(
    `INSERT INTO sessions (id, user_id, connection_id, connector_id, connection_name, protocol,
                           client_address, status, started_at, ended_at, close_code, close_reason)
     VALUES ($1, $2, $3, $4, $5, 'postgres', '127.0.0.1:50000', $6, $7, $8, $9, $10)`,
    [
      id,
      row.userId,
      row.connection.id,
      row.connectorId,
      row.connection.name,
      row.status,
      row.startedAt,
      row.endedAt ?? null,
      row.closeCode ?? null,
      row.closeReason ?? null,
    ],
  );
  return id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await ControlPlane.start({ databaseUrl: db.url });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();

  const connector = (await cp.api().post("/api/v1/connectors", { name: "edge-s" })).body.connector;
  const connection = async (name: string) => {
    const res = await cp.api().post("/api/v1/connections", {
      name,
      type: "postgres",
      connector: "edge-s",
      host: "db.internal",
      port: 5432,
    });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, name };
  };
  const connections = { main: await connection("pg-main"), other: await connection("pg-other") };

  const admin = (await sql.query<{ id: string }>("SELECT id FROM users WHERE name = 'admin'"))
    .rows[0]!.id;
  const users = {
    admin,
    alice: await createUser("alice", "user"),
    bob: await createUser("bob", "user"),
    audrey: await createUser("audrey", "auditor"),
  };
  const keys = {
    alice: await createKey(users.alice),
    bob: await createKey(users.bob),
    audrey: await createKey(users.audrey),
  };

  // Alice: 7 closed sessions on pg-main, one a minute; the last two start in the same
  // millisecond, so paging must break the tie on id.
  const alice: string[] = [];
  for (let i = 0; i < 7; i++) {
    alice.push(
      await insertSession({
        userId: users.alice,
        connection: connections.main,
        connectorId: connector.id,
        status: "closed",
        startedAt: minutes(Math.min(i, 5)),
        endedAt: minutes(Math.min(i, 5) + 0.5),
        closeCode: "client_quit",
        closeReason: "client quit",
      }),
    );
  }
  // Bob: two sessions on pg-other, later than all of Alice's.
  const bob = [
    await insertSession({
      userId: users.bob,
      connection: connections.other,
      connectorId: connector.id,
      status: "failed",
      startedAt: minutes(10),
      endedAt: minutes(10),
      closeCode: "target_unreachable",
      closeReason: "could not connect to the target: connection refused",
    }),
    await insertSession({
      userId: users.bob,
      connection: connections.other,
      connectorId: connector.id,
      status: "active",
      startedAt: minutes(20),
    }),
  ];
  // The admin, on a connection deleted since (its id and connector are gone; its name stays).
  const gone = await insertSession({
    userId: admin,
    connection: { id: null, name: "pg-gone" },
    connectorId: null,
    status: "closed",
    startedAt: minutes(30),
    endedAt: minutes(31),
  });

  fx = { users, keys, connector, connections, alice, bob, gone };
});

afterAll(async () => {
  await sql?.end();
  await cp?.proc.stop();
  await db?.drop();
});

const ids = (body: { items: Array<{ id: string }> }): string[] => body.items.map((s) => s.id);

describe("GET /api/v1/sessions", () => {
  it("lists every session newest first for an admin", async () => {
    const res = await cp.api().get("/api/v1/sessions");
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(10);
    expect(res.body.nextCursor).toBeNull();
    const keys = res.body.items.map((s: { startedAt: string; id: string }) => [s.startedAt, s.id]);
    const sorted = [...keys].sort(([a1, i1], [a2, i2]) =>
      a1 === a2 ? (i1 < i2 ? 1 : -1) : a1 < a2 ? 1 : -1,
    );
    expect(keys).toEqual(sorted);
    expect(res.body.items[0].id).toBe(fx.gone);
  });

  it("returns the documented Session shape", async () => {
    const res = await cp.api().get("/api/v1/sessions?user=bob&status=failed");
    expect(res.body.items).toEqual([
      {
        id: fx.bob[0],
        user: { id: fx.users.bob, name: "bob", kind: "human", owner: null },
        connection: { id: fx.connections.other.id, name: "pg-other" },
        connector: { id: fx.connector.id, name: "edge-s" },
        protocol: "postgres",
        clientAddress: "127.0.0.1:50000",
        status: "failed",
        startedAt: minutes(10).toISOString(),
        endedAt: minutes(10).toISOString(),
        closeCode: "target_unreachable",
        closeReason: "could not connect to the target: connection refused",
        commandCount: 0,
      },
    ]);
  });

  it("keeps sessions of a deleted connection under the name it had", async () => {
    const res = await cp.api().get("/api/v1/sessions?connection=pg-gone");
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({
      id: fx.gone,
      connection: { id: null, name: "pg-gone" },
      connector: null,
      user: { name: "admin" },
    });
  });

  it.each<[string, string, () => string[]]>([
    ["user", "user=bob", () => [fx.bob[1]!, fx.bob[0]!]],
    ["connection", "connection=pg-other", () => [fx.bob[1]!, fx.bob[0]!]],
    ["status", "status=active", () => [fx.bob[1]!]],
    [
      "from (inclusive) and to (exclusive)",
      `from=${minutes(10).toISOString()}&to=${minutes(30).toISOString()}`,
      () => [fx.bob[1]!, fx.bob[0]!],
    ],
    ["from alone", `from=${minutes(20).toISOString()}`, () => [fx.gone, fx.bob[1]!]],
    ["a time zone offset", "to=2026-03-01T12:00:30%2B02:00", () => [fx.alice[0]!]],
    ["several filters together", "user=alice&connection=pg-other", () => []],
    ["an unknown user", "user=nobody", () => []],
  ])("filters by %s", async (_what, query, expected) => {
    const res = await cp.api().get(`/api/v1/sessions?${query}`);
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual(expected());
  });

  it("pages 7 sessions by 3 as 3, 3, 1 without duplicates or gaps", async () => {
    const all = await cp.api().get("/api/v1/sessions?user=alice");
    expect(all.body.items).toHaveLength(7);

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = `user=alice&limit=3${cursor === null ? "" : `&cursor=${cursor}`}`;
      const res = await cp.api().get(`/api/v1/sessions?${query}`);
      expect(res.status).toBe(200);
      pages.push(ids(res.body));
      cursor = res.body.nextCursor;
      if (cursor !== null) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    } while (cursor !== null && pages.length < 10);

    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    const flat = pages.flat();
    expect(new Set(flat).size).toBe(7);
    expect(flat).toEqual(ids(all.body));
    expect(new Set(flat)).toEqual(new Set(fx.alice));
  });

  it("stops with a null cursor when the last page is exactly full", async () => {
    const res = await cp.api().get("/api/v1/sessions?user=bob&limit=2");
    expect(res.body.items).toHaveLength(2);
    expect(res.body.nextCursor).toBeNull();
  });

  it.each<[string, string, string]>([
    ["an unknown status", "status=running", "status"],
    ["limit 0", "limit=0", "limit"],
    ["limit above 500", "limit=501", "limit"],
    ["a non-numeric limit", "limit=lots", "limit"],
    ["a malformed from", "from=yesterday", "from"],
    ["a date without time", "to=2026-03-01", "to"],
    ["to before from", `from=${minutes(5).toISOString()}&to=${minutes(1).toISOString()}`, "to"],
    ["a made-up cursor", "cursor=bm9wZQ", "cursor"],
    ["a connection that is not a name", "connection=NOT%20A%20NAME", "connection"],
    ["an unknown parameter", "state=closed", "state"],
  ])("refuses %s with 400 naming the field", async (_what, query, field) => {
    const res = await cp.api().get(`/api/v1/sessions?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_input");
    expect(res.body.error.field).toBe(field);
    expect(res.body.error.message).toMatch(new RegExp(`^query\\.${field}: `));
  });

  it("needs authentication", async () => {
    expect((await cp.api(null).get("/api/v1/sessions")).status).toBe(401);
  });
});

describe("GET /api/v1/sessions/:id", () => {
  let withCommands: string;

  beforeAll(async () => {
    withCommands = fx.alice[2]!;
    const insert = `INSERT INTO commands (session_id, seq, protocol, sql, params, decision, rule_ids, reasons,
                                          status, received_at, completed_at, duration_ms, row_count,
                                          command_tag, error_code, error_message, copy_direction, copy_bytes)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`;
    // Inserted out of order: the API returns them by seq.
    await sql.query(insert, [
      withCommands,
      3,
      "simple",
      "COPY t FROM STDIN",
      null,
      "allow",
      [],
      [],
      "ok",
      minutes(2.3),
      minutes(2.31),
      600.5,
      "2",
      "COPY 2",
      null,
      null,
      "in",
      "6000000000",
    ]);
    await sql.query(insert, [
      withCommands,
      1,
      "simple",
      "SELECT 1",
      null,
      "allow",
      [],
      [],
      "ok",
      minutes(2.1),
      minutes(2.11),
      1.25,
      "5000000000",
      "SELECT 5000000000",
      null,
      null,
      null,
      null,
    ]);
    await sql.query(insert, [
      withCommands,
      2,
      "extended",
      "SELECT * FROM t WHERE id = $1 AND b = $2",
      JSON.stringify(["42", { hex: "deadbeef" }]),
      "allow",
      ["r1"],
      ["looks fine"],
      "error",
      minutes(2.2),
      minutes(2.21),
      3,
      null,
      null,
      "42P01",
      'relation "t" does not exist',
      null,
      null,
    ]);
  });

  it("shows the session with its commands in seq order, counters as numbers", async () => {
    const res = await cp.api().get(`/api/v1/sessions/${withCommands}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: withCommands,
      user: { name: "alice" },
      connection: { name: "pg-main" },
      commandCount: 3,
    });
    expect(res.body.commands.map((c: { seq: number }) => c.seq)).toEqual([1, 2, 3]);
    expect(res.body.commands[0]).toEqual({
      seq: 1,
      protocol: "simple",
      sql: "SELECT 1",
      params: null,
      decision: "allow",
      ruleIds: [],
      reasons: [],
      status: "ok",
      receivedAt: minutes(2.1).toISOString(),
      completedAt: minutes(2.11).toISOString(),
      durationMs: 1.25,
      rowCount: 5000000000,
      commandTag: "SELECT 5000000000",
      errorCode: null,
      errorMessage: null,
      copyDirection: null,
      copyBytes: null,
      reviewId: null,
      maskCounts: null,
      resultSample: null,
    });
    expect(res.body.commands[1]).toMatchObject({
      protocol: "extended",
      params: ["42", { hex: "deadbeef" }],
      ruleIds: ["r1"],
      reasons: ["looks fine"],
      status: "error",
      rowCount: null,
      errorCode: "42P01",
    });
    expect(res.body.commands[2]).toMatchObject({ copyDirection: "in", copyBytes: 6000000000 });
  });

  it("counts commands in the list too", async () => {
    const res = await cp.api().get("/api/v1/sessions?user=alice");
    const listed = res.body.items.find((s: { id: string }) => s.id === withCommands);
    expect(listed.commandCount).toBe(3);
    expect(listed).not.toHaveProperty("commands");
  });

  it("answers 404 for an unknown id and 400 for a malformed one", async () => {
    const unknown = await cp.api().get(`/api/v1/sessions/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("not_found");
    const malformed = await cp.api().get("/api/v1/sessions/not-a-uuid");
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.field).toBe("id");
  });
});

describe("who sees which sessions", () => {
  it("shows a user only their own sessions", async () => {
    const res = await cp.api(fx.keys.alice).get("/api/v1/sessions");
    expect(res.status).toBe(200);
    expect(new Set(ids(res.body))).toEqual(new Set(fx.alice));
  });

  it("does not widen a user's view through filters", async () => {
    for (const query of ["user=bob", "connection=pg-other", "status=active", "user=admin"]) {
      const res = await cp.api(fx.keys.alice).get(`/api/v1/sessions?${query}`);
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
    }
    const own = await cp.api(fx.keys.bob).get("/api/v1/sessions?user=bob");
    expect(new Set(ids(own.body))).toEqual(new Set(fx.bob));
  });

  it("answers 404 for another user's session, 200 for one's own", async () => {
    const other = await cp.api(fx.keys.alice).get(`/api/v1/sessions/${fx.bob[0]}`);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe("not_found");
    const own = await cp.api(fx.keys.bob).get(`/api/v1/sessions/${fx.bob[0]}`);
    expect(own.status).toBe(200);
    expect(own.body.user.name).toBe("bob");
  });

  it("shows an auditor every session, and any one of them", async () => {
    const res = await cp.api(fx.keys.audrey).get("/api/v1/sessions");
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(10);
    expect((await cp.api(fx.keys.audrey).get(`/api/v1/sessions/${fx.gone}`)).status).toBe(200);
  });

  it("still keeps admin routes from an auditor", async () => {
    expect((await cp.api(fx.keys.audrey).get("/api/v1/connections")).status).toBe(403);
  });
});

describe("OpenAPI", () => {
  it("documents both routes and the list's query parameters", async () => {
    const doc = (await cp.api(null).get("/api/docs-json")).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/v1/sessions", "/api/v1/sessions/{id}"]),
    );
    const params = doc.paths["/api/v1/sessions"].get.parameters.map(
      (p: { name: string }) => p.name,
    );
    expect(params).toEqual(
      expect.arrayContaining(["user", "connection", "status", "from", "to", "limit", "cursor"]),
    );
    expect(doc.paths["/api/v1/sessions/{id}"].get.responses["200"]).toBeDefined();
  });
});

describe("connection options", () => {
  const base = { type: "postgres", connector: "edge-s", host: "db.internal", port: 5432 };

  it("defaults to sslmode prefer", async () => {
    const res = await cp.api().post("/api/v1/connections", { ...base, name: "tls-default" });
    expect(res.status).toBe(201);
    expect(res.body.options).toEqual({ sslmode: "prefer", sslrootcert: null, sslservername: null });
  });

  it("round-trips sslmode, sslrootcert and sslservername, and merges a PATCH", async () => {
    const options = { sslmode: "verify-full", sslrootcert: CA, sslservername: "pg.example.com" };
    const created = await cp
      .api()
      .post("/api/v1/connections", { ...base, name: "tls-full", options });
    expect(created.status).toBe(201);
    expect(created.body.options).toEqual(options);
    expect((await cp.api().get("/api/v1/connections/tls-full")).body.options).toEqual(options);

    const patched = await cp.api().patch("/api/v1/connections/tls-full", {
      options: { sslmode: "require" },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.options).toEqual({ ...options, sslmode: "require" });

    const cleared = await cp.api().patch("/api/v1/connections/tls-full", {
      options: { sslrootcert: null, sslservername: null },
    });
    expect(cleared.body.options).toEqual({
      sslmode: "require",
      sslrootcert: null,
      sslservername: null,
    });
  });

  it("accepts verify-full without a root certificate (the connector's system roots)", async () => {
    const res = await cp.api().post("/api/v1/connections", {
      ...base,
      name: "tls-system",
      options: { sslmode: "verify-full" },
    });
    expect(res.status).toBe(201);
    expect(res.body.options.sslrootcert).toBeNull();
  });

  it("refuses a malformed PEM naming options.sslrootcert, on create and on update", async () => {
    const bad = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";
    const created = await cp.api().post("/api/v1/connections", {
      ...base,
      name: "tls-bad",
      options: { sslmode: "verify-full", sslrootcert: bad },
    });
    expect(created.status).toBe(400);
    expect(created.body.error.field).toBe("options.sslrootcert");
    expect(created.body.error.message).toMatch(/^body\.options\.sslrootcert: /);
    expect((await cp.api().get("/api/v1/connections/tls-bad")).status).toBe(404);

    const patched = await cp.api().patch("/api/v1/connections/tls-default", {
      options: { sslrootcert: "not a certificate" },
    });
    expect(patched.status).toBe(400);
    expect(patched.body.error.field).toBe("options.sslrootcert");
  });

  it("refuses unknown option keys and sslmodes by name", async () => {
    const unknown = await cp.api().post("/api/v1/connections", {
      ...base,
      name: "tls-unknown",
      options: { sslkey: "x" },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.field).toBe("options.sslkey");
    const mode = await cp.api().post("/api/v1/connections", {
      ...base,
      name: "tls-mode",
      options: { sslmode: "verify-ca" },
    });
    expect(mode.status).toBe(400);
    expect(mode.body.error.field).toBe("options.sslmode");
  });
});
