// The dial-out tunnel between real connector and control-plane processes:
// token authentication, online status, reconnect after kill -9, clean SIGTERM.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/db";
import { ControlPlane, Proc, startConnector, waitUntil } from "./harness";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: ControlPlane;
const procs: Proc[] = [];

function connector(token: string): Proc {
  const proc = startConnector(cp.grpcAddress, token);
  procs.push(proc);
  return proc;
}

async function createConnector(name: string): Promise<{ id: string; token: string }> {
  const res = await cp.api().post("/api/v1/connectors", { name });
  expect(res.status).toBe(201);
  expect(res.body.token).toMatch(/^alk_ctr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  return { id: res.body.connector.id, token: res.body.token };
}

async function status(name: string): Promise<string> {
  const res = await cp.api().get(`/api/v1/connectors/${name}`);
  expect(res.status).toBe(200);
  return res.body.status;
}

async function sessionCount(): Promise<number> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT count(*)::int AS n FROM sessions");
    return rows[0].n;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await ControlPlane.start({ databaseUrl: db.url });
});

afterAll(async () => {
  for (const p of procs) await p.stop("SIGKILL");
  await cp?.proc.stop("SIGKILL");
  await db?.drop();
});

describe("connector tokens", () => {
  it("a new connector has never connected", async () => {
    await createConnector("fresh");
    expect(await status("fresh")).toBe("never_connected");
  });

  it("refuses an unknown token: the connector exits 2 with a clear message and no retry", async () => {
    const forged = `alk_ctr_${"0".repeat(12)}_${"A".repeat(43)}`;
    const proc = connector(forged);
    const exit = await proc.exited;
    expect(exit.code).toBe(2);
    expect(proc.output).toMatch(/refused this connector's token/);
    expect(proc.output).not.toContain(forged);
    // One attempt only: no retry loop after a refused token.
    expect(proc.output.match(/refused this connector's token/g)?.length).toBe(1);
    expect(proc.output).not.toMatch(/retrying|reconnecting/i);
    expect(await sessionCount()).toBe(0);
  });

  it("refuses a revoked token and opens nothing", async () => {
    const { token } = await createConnector("revoked-one");
    const tokens = await cp.api().get("/api/v1/connectors/revoked-one/tokens");
    expect(tokens.body.items).toHaveLength(1);
    expect(tokens.text).not.toContain(token);
    const revoke = await cp
      .api()
      .delete(`/api/v1/connectors/revoked-one/tokens/${tokens.body.items[0].id}`);
    expect(revoke.status).toBe(204);

    const proc = connector(token);
    expect((await proc.exited).code).toBe(2);
    expect(await status("revoked-one")).toBe("never_connected");
    expect(await sessionCount()).toBe(0);
  });

  it("revoking the token of a live connector disconnects it for good", async () => {
    const { token } = await createConnector("live-revoke");
    const proc = connector(token);
    await waitUntil("live-revoke online", async () => (await status("live-revoke")) === "online");
    const tokens = await cp.api().get("/api/v1/connectors/live-revoke/tokens");
    await cp.api().delete(`/api/v1/connectors/live-revoke/tokens/${tokens.body.items[0].id}`);
    const exit = await proc.exited;
    expect(exit.code).toBe(2);
    await waitUntil("live-revoke offline", async () => (await status("live-revoke")) === "offline");
  });

  it("a replacement token works while the old one is refused", async () => {
    const { token: oldToken } = await createConnector("rotated");
    const issued = await cp.api().post("/api/v1/connectors/rotated/tokens");
    expect(issued.status).toBe(201);
    const list = await cp.api().get("/api/v1/connectors/rotated/tokens");
    const old = list.body.items.find((t: { id: string }) => t.id !== issued.body.tokenInfo.id);
    await cp.api().delete(`/api/v1/connectors/rotated/tokens/${old.id}`);

    expect((await connector(oldToken).exited).code).toBe(2);
    const good = connector(issued.body.token);
    await waitUntil("rotated online", async () => (await status("rotated")) === "online");
    expect(good.running).toBe(true);
    await good.stop();
  });
});

describe("connector lifecycle", () => {
  it("shows online within 2 s of starting, with version and hostname", async () => {
    await createConnector("quick");
    const { token } = (await cp.api().post("/api/v1/connectors/quick/tokens")).body;
    const started = Date.now();
    const proc = connector(token);
    await waitUntil("quick online", async () => (await status("quick")) === "online", 2_000);
    expect(Date.now() - started).toBeLessThanOrEqual(2_000);
    const res = await cp.api().get("/api/v1/connectors/quick");
    expect(res.body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(res.body.hostname).toBeTruthy();
    expect(res.body.capabilities).toContain("postgres");
    expect(res.body.lastHeartbeatAt).toBeTruthy();
    await proc.stop();
  });

  it("comes back online by itself after the control plane is killed with -9 and restarted", async () => {
    const { token } = await createConnector("survivor");
    const proc = connector(token);
    await waitUntil("survivor online", async () => (await status("survivor")) === "online");
    const firstConnectedAt = (await cp.api().get("/api/v1/connectors/survivor")).body.connectedAt;

    const killed = await cp.proc.stop("SIGKILL");
    expect(killed.signal).toBe("SIGKILL");
    await waitUntil(
      "the connector to notice",
      () => /reconnect|disconnected|unavailable/i.test(proc.output),
      10_000,
    );
    await cp.restart();

    await waitUntil(
      "survivor online again",
      async () => {
        const res = await cp.api().get("/api/v1/connectors/survivor");
        return res.body.status === "online" && res.body.connectedAt !== firstConnectedAt;
      },
      20_000,
    );
    expect(proc.running).toBe(true);
    await proc.stop();
  });

  it("SIGTERM stops the connector cleanly and it shows offline", async () => {
    const { token } = await createConnector("graceful");
    const proc = connector(token);
    await waitUntil("graceful online", async () => (await status("graceful")) === "online");
    const exit = await proc.stop("SIGTERM");
    expect(exit.code).toBe(0);
    expect(proc.output).toMatch(/connector stopped/);
    await waitUntil(
      "graceful offline",
      async () => (await status("graceful")) === "offline",
      5_000,
    );
  });

  it("deleting a connector in use by a connection is refused, naming the connection", async () => {
    await createConnector("busy");
    await cp.api().post("/api/v1/connections", {
      name: "busy-db",
      type: "postgres",
      connector: "busy",
      host: "127.0.0.1",
      port: 5432,
    });
    const res = await cp.api().delete("/api/v1/connectors/busy");
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/busy-db/);
    expect((await cp.api().delete("/api/v1/connections/busy-db")).status).toBe(204);
    expect((await cp.api().delete("/api/v1/connectors/busy")).status).toBe(204);
    expect((await cp.api().get("/api/v1/connectors/busy")).status).toBe(404);
  });

  it("deleting a live connector disconnects it", async () => {
    const { token } = await createConnector("doomed");
    const proc = connector(token);
    await waitUntil("doomed online", async () => (await status("doomed")) === "online");
    expect((await cp.api().delete("/api/v1/connectors/doomed")).status).toBe(204);
    expect((await proc.exited).code).toBe(2);
  });

  it("tokens never reach a log line", () => {
    for (const p of [...procs, cp.proc]) {
      expect(p.output).not.toMatch(/alk_ctr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/);
      expect(p.output).not.toContain(cp.options.adminKey);
    }
  });

  it("SIGTERM stops the control plane cleanly", async () => {
    const exit = await cp.proc.stop("SIGTERM");
    expect(exit.code).toBe(0);
    await cp.restart();
  });
});
