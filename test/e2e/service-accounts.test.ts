// Service accounts for AI agents (issue 7): an owner that is a human, API keys scoped to
// connections (enforced by the gateway before anything is dialled), rotation, revoked and
// expired keys, and policies that name service accounts — through the real CLI and psql.
import { spawn, spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gateway } from "./gateway";
import { Cli, freePort, type Proc } from "./harness";

const KEY = /alk_key_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/;

/** agent-1 may read on demo (service accounts are matched by service_accounts, not users). */
const AGENTS_POLICY = {
  name: "agents",
  description: "agent-1 may read on demo",
  subjects: { service_accounts: ["agent-1"] },
  resources: { connections: ["demo"] },
  rules: [{ id: "read", match: { sql: { statements: ["select"] } }, action: "allow" }],
};

let gw: Gateway;
const extra: Proc[] = [];

beforeAll(async () => {
  // A short identity sweep, so a revoked key's live session ends within the test's patience.
  gw = await Gateway.start({ controlPlaneEnv: { AIRLOCK_IDENTITY_SWEEP_MS: "300" } });
  await gw.applyPolicy(AGENTS_POLICY);
}, 120_000);

afterAll(async () => {
  for (const proc of extra) await proc.stop("SIGTERM", 5_000);
  await gw?.stop();
});

/** A CLI of its own, logged in with `key` over REST and gRPC. */
function cliWith(key: string): Cli {
  const cli = new Cli();
  const login = cli.run(
    ["login", "--api-key", "-", "--url", gw.cp.httpUrl, "--grpc-address", gw.cp.grpcAddress],
    key,
  );
  expect(login.status, login.stderr).toBe(0);
  return cli;
}

async function createKey(body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const res = await gw.cp.api().post("/api/v1/api-keys", body);
  expect(res.status, res.text).toBe(201);
  return { id: res.body.apiKey.id as string, key: res.body.key as string };
}

function exec(cli: Cli, sql: string) {
  return cli.run(["exec", "demo", "-c", sql]);
}

describe("service accounts have a human owner", () => {
  it("creates a service account owned by a human, shown in the user view", async () => {
    expect((await gw.cp.api().post("/api/v1/users", { name: "alice" })).status).toBe(201);
    expect((await gw.cp.api().post("/api/v1/users", { name: "bruno" })).status).toBe(201);
    const res = await gw.cp
      .api()
      .post("/api/v1/users", { name: "agent-1", kind: "service_account", owner: "alice" });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      name: "agent-1",
      kind: "service_account",
      owner: { id: expect.any(String), name: "alice" },
    });
    expect((await gw.cp.api().get("/api/v1/users/alice")).body.owner).toBeNull();
  });

  it("refuses a service account without an owner, or owned by a service account or nobody", async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ name: "agent-x", kind: "service_account" }, /needs an owner/],
      [{ name: "agent-x", kind: "service_account", owner: "agent-1" }, /must be a human/],
      [{ name: "agent-x", kind: "service_account", owner: "nobody" }, /no user named "nobody"/],
      [{ name: "human-x", owner: "alice" }, /only service accounts have an owner/],
    ];
    for (const [body, message] of cases) {
      const res = await gw.cp.api().post("/api/v1/users", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: "invalid_input", field: "owner" });
      expect(res.body.error.message).toMatch(message);
      expect(res.body.error.message).toContain("owner");
    }
    expect((await gw.cp.api().get("/api/v1/users/agent-x")).status).toBe(404);
  });

  it("changes a service account's owner, but never a human's", async () => {
    const moved = await gw.cp.api().patch("/api/v1/users/agent-1", { owner: "bruno" });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.owner.name).toBe("bruno");
    const human = await gw.cp.api().patch("/api/v1/users/alice", { owner: "bruno" });
    expect(human.status).toBe(400);
    expect(human.body.error.field).toBe("owner");
    const toSa = await gw.cp.api().patch("/api/v1/users/agent-1", { owner: "agent-1" });
    expect(toSa.status).toBe(400);
    const back = await gw.cp.api().patch("/api/v1/users/agent-1", { owner: "alice" });
    expect(back.body.owner.name).toBe("alice");
  });
});

describe("API keys scoped to connections", () => {
  it("validates connections: names only, at most 50, duplicates dropped", async () => {
    const bad = await gw.cp.api().post("/api/v1/api-keys", { name: "k", connections: ["Bad!"] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("connections.0");
    const many = Array.from({ length: 51 }, (_, i) => `c${i}`);
    const tooMany = await gw.cp.api().post("/api/v1/api-keys", { name: "k", connections: many });
    expect(tooMany.status).toBe(400);
    const ok = await gw.cp
      .api()
      .post("/api/v1/api-keys", { name: "k", connections: ["demo", "analytics", "demo"] });
    expect(ok.status).toBe(201);
    expect(ok.body.apiKey.connections).toEqual(["analytics", "demo"]);
    const unscoped = await gw.cp.api().post("/api/v1/api-keys", { name: "k2" });
    expect(unscoped.body.apiKey.connections).toEqual([]);
  });

  it("a key scoped to demo opens sessions on demo: exec and psql through connect", async () => {
    const { key } = await createKey({ name: "agent", user: "agent-1", connections: ["demo"] });
    const cli = cliWith(key);
    const who = cli.run(["whoami", "-o", "json"]);
    expect(who.status, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({
      user: { name: "agent-1", kind: "service_account" },
    });

    const res = exec(cli, "select 1 as one");
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/\b1\b/);

    const port = await freePort();
    const connect = cli.spawn(["connect", "demo", "--port", String(port)]);
    extra.push(connect);
    await connect.waitForOutput(/Listening on 127\.0\.0\.1:\d+/);
    const psql = spawnSync(
      "psql",
      [
        `host=127.0.0.1 port=${port} user=agent-1 dbname=demo sslmode=disable`,
        "-X",
        "-At",
        "-c",
        "select 41 + 1",
      ],
      { encoding: "utf8", timeout: 60_000, env: { PATH: process.env["PATH"] ?? "" } },
    );
    expect(psql.status, psql.stderr).toBe(0);
    expect(psql.stdout.trim()).toBe("42");
    await connect.stop("SIGTERM", 5_000);
  });

  it("a key scoped to other connections is refused on demo before anything is dialled", async () => {
    const { key } = await createKey({
      name: "elsewhere",
      user: "agent-1",
      connections: ["other", "analytics"],
    });
    const cli = cliWith(key);
    const res = exec(cli, "select 1");
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain(
      'this API key may open sessions only on: analytics, other; ask for a key scoped to "demo"',
    );
    // No session was opened; the refusal is audited.
    const sessions = await gw.store_(
      "SELECT count(*)::int AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.name = 'agent-1'",
    );
    const before = sessions[0]?.n as number;
    const audited = await gw.store_(
      "SELECT data FROM audit_events WHERE code = 'session.refused' AND actor_name = 'agent-1'",
    );
    expect(audited.length).toBeGreaterThan(0);
    expect(audited[0]?.data).toMatchObject({ reason: "api_key_connections" });
    // REST is not restricted by the key's connections.
    expect(cli.run(["whoami"]).status).toBe(0);
    expect(exec(cli, "select 1").status).not.toBe(0);
    const after = await gw.store_(
      "SELECT count(*)::int AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.name = 'agent-1'",
    );
    expect(after[0]?.n).toBe(before);
  });

  it("a policy for users: [agent-1] does not match the service account", async () => {
    await gw.deletePolicy("agents");
    await gw.applyPolicy({
      name: "agents-as-users",
      description: "names the service account as a user, which does not match it",
      subjects: { users: ["agent-1"] },
      resources: { connections: ["demo"] },
      rules: [{ id: "read", match: { sql: { statements: ["select"] } }, action: "allow" }],
    });
    const { key } = await createKey({ name: "policy", user: "agent-1" });
    const cli = cliWith(key);
    try {
      const denied = exec(cli, "select 1");
      expect(denied.status).not.toBe(0);
      expect(denied.stderr).toMatch(/denied|not allowed|no policy/i);
    } finally {
      await gw.deletePolicy("agents-as-users");
      await gw.applyPolicy(AGENTS_POLICY);
    }
    expect(exec(cli, "select 1").status).toBe(0);
  });
});

describe("an export-only key", () => {
  it("opens no session on the gateway", async () => {
    expect(
      (await gw.cp.api().post("/api/v1/users", { name: "collector", role: "auditor" })).status,
    ).toBe(201);
    const { key } = await createKey({ name: "siem", user: "collector", scopes: ["export"] });
    const res = exec(cliWith(key), "select 1");
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain("this API key is limited to export and opens no sessions");
  });
});

describe("rotating, revoking and expiring keys", () => {
  it("rotation keeps holder, name, connections and expiry; the old key stops working", async () => {
    const old = await gw.cp.api().post("/api/v1/api-keys", {
      name: "rotating",
      user: "agent-1",
      connections: ["demo"],
      expiresInDays: 7,
    });
    expect(old.status).toBe(201);
    const res = await gw.cp.api().post(`/api/v1/api-keys/${old.body.apiKey.id}/rotate`, {});
    expect(res.status, res.text).toBe(201);
    expect(res.body.key).toMatch(KEY);
    expect(res.body.key).not.toBe(old.body.key);
    expect(res.body.apiKey).toMatchObject({
      name: "rotating",
      userName: "agent-1",
      connections: ["demo"],
      expiresAt: old.body.apiKey.expiresAt,
      revokedAt: null,
    });
    expect(res.body.apiKey.id).not.toBe(old.body.apiKey.id);

    const refused = await gw.cp.api(old.body.key).get("/api/v1/identity/whoami");
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/revoked/);
    expect(exec(cliWith(res.body.key as string), "select 1").status).toBe(0);

    const again = await gw.cp.api().post(`/api/v1/api-keys/${old.body.apiKey.id}/rotate`, {});
    expect(again.status).toBe(409);
  });

  it("a holder rotates their own key; someone else's is not found", async () => {
    const agent = await createKey({ name: "self", user: "agent-1" });
    const alice = await createKey({ name: "alice", user: "alice" });
    const own = await gw.cp.api(agent.key).post(`/api/v1/api-keys/${agent.id}/rotate`, {});
    expect(own.status, own.text).toBe(201);
    const fresh = own.body.key as string;
    const other = await gw.cp.api(fresh).post(`/api/v1/api-keys/${alice.id}/rotate`, {});
    expect(other.status).toBe(404);
    expect((await gw.cp.api(alice.key).get("/api/v1/identity/whoami")).status).toBe(200);
  });

  it("revoked and expired keys are refused on REST and on the gateway", async () => {
    const revoked = await createKey({ name: "revoked", user: "agent-1" });
    const revokedCli = cliWith(revoked.key);
    expect((await gw.cp.api().delete(`/api/v1/api-keys/${revoked.id}`)).status).toBe(204);
    const r = exec(revokedCli, "select 1");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/revoked/);

    const expired = await createKey({ name: "expired", user: "agent-1", expiresInDays: 1 });
    const expiredCli = cliWith(expired.key);
    await gw.store_("UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = $1", [
      expired.id,
    ]);
    const e = exec(expiredCli, "select 1");
    expect(e.status).not.toBe(0);
    expect(e.stderr).toMatch(/expired/);
    const rest = await gw.cp.api(expired.key).get("/api/v1/identity/whoami");
    expect(rest.status).toBe(401);
    const rotate = await gw.cp.api().post(`/api/v1/api-keys/${expired.id}/rotate`, {});
    expect(rotate.status).toBe(409);
    expect(rotate.body.error.message).toMatch(/expired/);
  });
});

describe("the owner is accountable for the agent", () => {
  it("the owner sees the agent's review; reviews and sessions name the owner", async () => {
    await gw.applyPolicy({
      name: "agents-writes",
      description: "agent-1's deletes wait for a dba",
      subjects: { service_accounts: ["agent-1"] },
      resources: { connections: ["demo"] },
      rules: [
        {
          id: "agent-deletes",
          match: { sql: { statements: ["delete"] } },
          action: "review",
          review: { approvers: ["dba"], timeout: "5m" },
        },
      ],
    });
    const { key } = await createKey({ name: "owner-test", user: "agent-1" });
    const held = cliWith(key).spawn(["exec", "demo", "-c", "delete from orders where id = -1"]);
    extra.push(held);
    const alice = await createKey({ name: "owner", user: "alice" });
    let review: Record<string, any> | undefined;
    for (let i = 0; i < 100 && review === undefined; i++) {
      const mine = await gw.cp.api(alice.key).get("/api/v1/reviews?scope=mine");
      review = (mine.body.items ?? mine.body).find?.(
        (r: Record<string, any>) => r.requester?.name === "agent-1" && r.status === "pending",
      );
      if (review === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(review, "alice sees agent-1's pending review").toBeDefined();
    expect(review?.requester).toMatchObject({
      name: "agent-1",
      kind: "service_account",
      owner: { name: "alice" },
    });
    // bruno owns nothing and is no approver: he does not see it.
    const bruno = await createKey({ name: "bruno", user: "bruno" });
    const his = await gw.cp.api(bruno.key).get("/api/v1/reviews?scope=mine");
    expect(JSON.stringify(his.body)).not.toContain(review?.id as string);
    expect((await gw.cp.api(alice.key).get(`/api/v1/reviews/${review?.id}`)).status).toBe(200);
    expect((await gw.cp.api(bruno.key).get(`/api/v1/reviews/${review?.id}`)).status).toBe(404);

    const dba = await gw.cp.api().post("/api/v1/users", { name: "dee", groups: ["dba"] });
    expect(dba.status, dba.text).toBe(201);
    const dee = await createKey({ name: "dee", user: "dee" });
    const rejected = await gw.cp
      .api(dee.key)
      .post(`/api/v1/reviews/${review?.id}/reject`, { reason: "no" });
    expect(rejected.status, rejected.text).toBe(200);
    await held.exited;
    await gw.deletePolicy("agents-writes");

    const sessions = await gw.cp.api().get("/api/v1/sessions?user=agent-1");
    expect(sessions.body.items[0].user).toMatchObject({
      name: "agent-1",
      kind: "service_account",
      owner: { name: "alice" },
    });
  });
});

describe("revoking a key ends the sessions it opened", () => {
  it("a live psql session of a revoked key ends with 28000 and says why", async () => {
    const { id, key } = await createKey({ name: "live", user: "agent-1", connections: ["demo"] });
    const cli = cliWith(key);
    const port = await freePort();
    const connect = cli.spawn(["connect", "demo", "--port", String(port)]);
    extra.push(connect);
    await connect.waitForOutput(/Listening on 127\.0\.0\.1:\d+/);
    const psql = spawn(
      "psql",
      [`host=127.0.0.1 port=${port} user=agent-1 dbname=demo sslmode=disable`, "-X", "-At"],
      { env: { PATH: process.env["PATH"] ?? "" }, stdio: ["pipe", "pipe", "pipe"] },
    );
    let out = "";
    psql.stdout.on("data", (d: Buffer) => (out += d.toString()));
    psql.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => psql.once("exit", resolve));
    psql.stdin.write("select 'before' || 1;\n");
    for (let i = 0; i < 100 && !out.includes("before1"); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain("before1");

    expect((await gw.cp.api().delete(`/api/v1/api-keys/${id}`)).status).toBe(204);
    // The gateway ends the session by itself (psql, idle, learns it at its next query).
    const latest = () =>
      gw.store_(
        "SELECT s.status, close_code, close_reason FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.name = 'agent-1' ORDER BY started_at DESC LIMIT 1",
      );
    for (let i = 0; i < 100 && (await latest())[0]?.close_code == null; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await latest())[0]).toMatchObject({
      close_code: "unauthenticated",
      close_reason: "identity revoked: the API key of this session was revoked",
    });
    psql.stdin.write("select 'after' || 1;\n");
    psql.stdin.end();
    await exited;
    expect(out).toContain("Airlock ended this session: the API key of this session was revoked");
    expect(out).not.toContain("after1");
    await connect.stop("SIGTERM", 5_000);
  });
});

describe("airlock CLI: owners and api-keys", () => {
  it("creates a service account with --owner and shows it", () => {
    const created = gw.cli.run([
      "admin",
      "users",
      "create",
      "agent-2",
      "--kind",
      "service_account",
      "--owner",
      "alice",
    ]);
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^Owner:\s+alice$/m);
    const set = gw.cli.run(["admin", "users", "set", "agent-2", "--owner", "bruno"]);
    expect(set.status, set.stderr).toBe(0);
    const show = gw.cli.run(["admin", "users", "show", "agent-2"]);
    expect(show.stdout).toMatch(/^Owner:\s+bruno$/m);
    const missing = gw.cli.run([
      "admin",
      "users",
      "create",
      "agent-3",
      "--kind",
      "service_account",
    ]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/owner/);
  });

  it("creates a scoped key, lists, rotates and revokes it", () => {
    const created = gw.cli.run([
      "api-keys",
      "create",
      "cli-key",
      "--user",
      "agent-2",
      "--connection",
      "demo",
      "--connection",
      "analytics",
    ]);
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^Connections:\s+analytics, demo$/m);
    const key = KEY.exec(created.stdout)?.[0] ?? "";
    expect(key).not.toBe("");
    const id = /^ID:\s+(\S+)$/m.exec(created.stdout)?.[1] ?? "";

    const list = gw.cli.run(["api-keys", "list", "-o", "json"]);
    expect(list.status, list.stderr).toBe(0);
    const items = JSON.parse(list.stdout) as Array<{ id: string; connections: string[] }>;
    expect(items.find((k) => k.id === id)?.connections).toEqual(["analytics", "demo"]);
    expect(gw.cli.run(["api-keys", "list"]).stdout).toMatch(/^ID\s+NAME\s+USER\s+CONNECTIONS/);

    const rotated = gw.cli.run(["api-keys", "rotate", id]);
    expect(rotated.status, rotated.stderr).toBe(0);
    const fresh = KEY.exec(rotated.stdout)?.[0] ?? "";
    expect(fresh).not.toBe("");
    expect(fresh).not.toBe(key);
    const newId = /^ID:\s+(\S+)$/m.exec(rotated.stdout)?.[1] ?? "";

    const freshCli = cliWith(fresh);
    const revoked = gw.cli.run(["api-keys", "revoke", newId]);
    expect(revoked.status, revoked.stderr).toBe(0);
    const who = freshCli.run(["whoami"]);
    expect(who.status).toBe(1);
    expect(who.stderr).toMatch(/revoked/);
  });
});
