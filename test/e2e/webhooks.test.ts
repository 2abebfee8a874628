// Webhooks: admin CRUD, signed deliveries to a real HTTP receiver, retries with backoff,
// failure after the last attempt, secrets that never come back, deliveries re-enqueued
// after a restart (Redis keeps no jobs across restarts), and the CLI.
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifySignature } from "../../apps/control-plane/src/notifications/signature";
import { createTestDatabase } from "../support/db";
import { Cli, ControlPlane, freePort, waitUntil } from "./harness";

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
}

/** A receiver whose answers are scripted per path; it records every request. */
class Receiver {
  readonly requests: Received[] = [];
  private readonly scripts = new Map<string, number[]>();
  private server!: Server;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const path = req.url ?? "/";
        this.requests.push({
          path,
          headers: req.headers,
          body,
          json: JSON.parse(body) as Record<string, unknown>,
        });
        const script = this.scripts.get(path) ?? [];
        const status = script.length > 1 ? script.shift()! : (script[0] ?? 200);
        res.writeHead(status, { "content-type": "text/plain" });
        res.end(status === 200 ? "ok" : "receiver says no: internal details here");
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
  }

  /** Answers these statuses in order, then the last one forever. */
  script(path: string, statuses: number[]): void {
    this.scripts.set(path, [...statuses]);
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  at(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const SIGNATURE_TOLERANCE_S = 300;

function signatureValid(secret: string, request: Received): boolean {
  const header = request.headers["x-airlock-signature"];
  return (
    typeof header === "string" &&
    verifySignature(
      secret,
      request.body,
      header,
      Math.floor(Date.now() / 1000),
      SIGNATURE_TOLERANCE_S,
    )
  );
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: ControlPlane;
const receiver = new Receiver();
/** Every secret the tests saw, to prove none comes back. */
const secrets: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await receiver.start();
  cp = await ControlPlane.start({
    databaseUrl: db.url,
    env: {
      AIRLOCK_WEBHOOK_BACKOFF_MS: "100",
      AIRLOCK_WEBHOOK_ATTEMPTS: "3",
      AIRLOCK_REDIS_PREFIX: `t-webhooks-${randomBytes(4).toString("hex")}`,
    },
  });
});

afterAll(async () => {
  await cp?.proc.stop();
  await receiver.stop();
  await db?.drop();
});

async function createWebhook(name: string, path: string, extra: object = {}) {
  const res = await cp.api().post("/api/v1/webhooks", { name, url: receiver.url(path), ...extra });
  expect(res.status, res.text).toBe(201);
  secrets.push(res.body.secret as string);
  return res.body as { webhook: { id: string; name: string }; secret: string };
}

async function deliveries(query: string): Promise<any[]> {
  const res = await cp.api().get(`/api/v1/webhooks/deliveries${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body.items as any[];
}

async function waitForDelivery(id: string, status: "delivered" | "failed"): Promise<any> {
  return waitUntil(`delivery ${id} to be ${status}`, async () => {
    const found = (await deliveries("?limit=500")).find((d) => d.id === id);
    return found?.status === status ? found : undefined;
  });
}

describe("webhooks", () => {
  it("creates a webhook and shows its secret once", async () => {
    const created = await createWebhook("ok-hook", "/ok");
    expect(created.webhook).toEqual({
      id: expect.any(String),
      name: "ok-hook",
      url: receiver.url("/ok"),
      all: false,
      createdAt: expect.any(String),
    });
    expect(created.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const list = await cp.api().get("/api/v1/webhooks");
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([created.webhook]);

    const docs = await cp.api(null).get("/api/docs-json");
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/webhooks",
        "/api/v1/webhooks/deliveries",
        "/api/v1/webhooks/{name}",
        "/api/v1/webhooks/{name}/test",
      ]),
    );
  });

  it("(a) delivers a test event, signed with the secret", async () => {
    const { secret } = await createWebhook("signed-hook", "/signed");
    const queued = await cp.api().post("/api/v1/webhooks/signed-hook/test");
    expect(queued.status, queued.text).toBe(202);
    expect(queued.body).toMatchObject({
      webhook: "signed-hook",
      event: "webhook.test",
      reviewId: null,
      status: "pending",
      attempts: 0,
    });

    const done = await waitForDelivery(queued.body.id as string, "delivered");
    expect(done).toMatchObject({ attempts: 1, lastStatus: 200, lastError: null, failedAt: null });
    expect(Date.parse(done.deliveredAt as string)).not.toBeNaN();

    const [request] = receiver.at("/signed");
    expect(request).toBeDefined();
    expect(signatureValid(secret, request!)).toBe(true);
    expect(signatureValid("not-the-secret-0123456789", request!)).toBe(false);
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["user-agent"]).toMatch(/^airlock-webhooks\/\d+\.\d+\.\d+/);
    expect(request!.headers["x-airlock-event"]).toBe("webhook.test");
    expect(request!.headers["x-airlock-delivery"]).toBe(queued.body.id);
    expect(request!.json).toMatchObject({
      event: "webhook.test",
      deliveryId: queued.body.id,
      webhook: { name: "signed-hook" },
    });
    expect(Date.parse(request!.json["sentAt"] as string)).not.toBeNaN();
    // The header, recomputed here independently of the control plane's code.
    const header = request!.headers["x-airlock-signature"] as string;
    const t = Number(/^t=(\d+),/.exec(header)?.[1]);
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(60);
    const hmac = createHmac("sha256", secret).update(`${t}.${request!.body}`).digest("hex");
    expect(header).toBe(`t=${t},v1=${hmac}`);
  });

  it("(b) retries with backoff: 500, 500, then 200 is delivered on attempt 3", async () => {
    receiver.script("/flaky", [500, 500, 200]);
    const { secret } = await createWebhook("flaky-hook", "/flaky");
    const queued = await cp.api().post("/api/v1/webhooks/flaky-hook/test");
    expect(queued.status).toBe(202);

    const done = await waitForDelivery(queued.body.id as string, "delivered");
    expect(done).toMatchObject({ attempts: 3, lastStatus: 200, lastError: null });

    const seen = receiver.at("/flaky");
    expect(seen).toHaveLength(3);
    for (const request of seen) {
      expect(request.headers["x-airlock-delivery"]).toBe(queued.body.id);
      expect(request.json["deliveryId"]).toBe(queued.body.id);
      expect(signatureValid(secret, request)).toBe(true);
    }
  });

  it("(c) fails a delivery after the last attempt and lists it under status=failed", async () => {
    receiver.script("/down", [500]);
    await createWebhook("down-hook", "/down");
    const queued = await cp.api().post("/api/v1/webhooks/down-hook/test");
    expect(queued.status).toBe(202);

    const failed = await waitUntil("a failed delivery to down-hook", async () =>
      (await deliveries("?status=failed")).find((d) => d.id === queued.body.id),
    );
    expect(failed).toMatchObject({
      webhook: "down-hook",
      status: "failed",
      attempts: 3,
      lastStatus: 500,
      lastError: "HTTP 500",
      deliveredAt: null,
    });
    expect(Date.parse(failed.failedAt as string)).not.toBeNaN();
    // The receiver's body is kept out of the record.
    expect(JSON.stringify(failed)).not.toContain("receiver says no");
    // No fourth attempt after the last one.
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.at("/down")).toHaveLength(3);

    const byWebhook = await deliveries("?webhook=down-hook&status=failed&limit=1");
    expect(byWebhook.map((d) => d.id)).toEqual([queued.body.id]);
    expect(await deliveries("?status=delivered&webhook=down-hook")).toEqual([]);
  });

  it("lists deliveries newest first", async () => {
    const items = await deliveries("");
    const times = items.map((d) => Date.parse(d.createdAt as string));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(items.length).toBeGreaterThanOrEqual(3);
  });

  it("does not follow redirects: a 3xx is a failed attempt", async () => {
    receiver.script("/moved", [302]);
    await createWebhook("moved-hook", "/moved");
    const queued = await cp.api().post("/api/v1/webhooks/moved-hook/test");
    const failed = await waitForDelivery(queued.body.id as string, "failed");
    expect(failed).toMatchObject({ lastStatus: 302, attempts: 3 });
    expect(failed.lastError).toMatch(/redirect/);
  });

  it("records an unreachable receiver as a short network error", async () => {
    const res = await cp.api().post("/api/v1/webhooks", {
      name: "nowhere-hook",
      url: `http://127.0.0.1:${await freePort()}/nothing-listens-here`,
    });
    expect(res.status).toBe(201);
    secrets.push(res.body.secret as string);
    const queued = await cp.api().post("/api/v1/webhooks/nowhere-hook/test");
    const failed = await waitForDelivery(queued.body.id as string, "failed");
    expect(failed.lastStatus).toBeNull();
    expect(failed.lastError).toBe("network error (ECONNREFUSED)");
  });

  it("(d) never returns, stores or logs a secret in the clear", async () => {
    const chosen = `my-own-secret-${randomBytes(8).toString("hex")}`;
    const created = await createWebhook("chosen-hook", "/chosen", { secret: chosen, all: true });
    expect(created.secret).toBe(chosen);
    expect(created.webhook.name).toBe("chosen-hook");

    const queued = await cp.api().post("/api/v1/webhooks/chosen-hook/test");
    await waitForDelivery(queued.body.id as string, "delivered");
    expect(signatureValid(chosen, receiver.at("/chosen")[0]!)).toBe(true);

    const responses = [
      (await cp.api().get("/api/v1/webhooks")).text,
      (await cp.api().get("/api/v1/webhooks/deliveries?limit=500")).text,
      queued.text,
      (await cp.api().get("/api/docs-json")).text,
    ];
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    let stored: string;
    try {
      const { rows } = await client.query(
        "SELECT w.*, encode(secret_ciphertext, 'escape') AS raw FROM webhooks w",
      );
      stored = JSON.stringify(rows);
      const payloads = await client.query("SELECT payload, last_error FROM webhook_deliveries");
      stored += JSON.stringify(payloads.rows);
    } finally {
      await client.end();
    }
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    for (const secret of secrets) {
      for (const text of responses) expect(text).not.toContain(secret);
      expect(stored).not.toContain(secret);
      expect(cp.proc.output).not.toContain(secret);
    }
  });

  it("(e) validates input and names the field", async () => {
    const api = cp.api();
    const badScheme = await api.post("/api/v1/webhooks", { name: "x1", url: "ftp://example.com/" });
    expect(badScheme.status).toBe(400);
    expect(badScheme.body.error.field).toBe("url");
    expect(badScheme.body.error.message).toMatch(/url.*http:\/\/ or https:\/\//);

    const notUrl = await api.post("/api/v1/webhooks", { name: "x2", url: "not a url" });
    expect(notUrl.status).toBe(400);
    expect(notUrl.body.error.field).toBe("url");

    const userinfo = await api.post("/api/v1/webhooks", {
      name: "x3",
      url: "https://user:pw@example.com/",
    });
    expect(userinfo.status).toBe(400);
    expect(userinfo.body.error.field).toBe("url");

    const shortSecret = await api.post("/api/v1/webhooks", {
      name: "x4",
      url: "https://example.com/",
      secret: "tooShort-123",
    });
    expect(shortSecret.status).toBe(400);
    expect(shortSecret.body.error.field).toBe("secret");
    expect(shortSecret.text).not.toContain("tooShort-123");

    const reserved = await api.post("/api/v1/webhooks", {
      name: "deliveries",
      url: "https://example.com/",
    });
    expect(reserved.status).toBe(400);
    expect(reserved.body.error.field).toBe("name");

    const duplicate = await api.post("/api/v1/webhooks", {
      name: "ok-hook",
      url: "https://example.com/",
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.message).toMatch(/"ok-hook" already exists/);

    const badStatus = await api.get("/api/v1/webhooks/deliveries?status=lost");
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.field).toBe("status");
  });

  it("(e) answers 404 for an unknown webhook", async () => {
    for (const res of [
      await cp.api().delete("/api/v1/webhooks/no-such-hook"),
      await cp.api().post("/api/v1/webhooks/no-such-hook/test"),
      await cp.api().get("/api/v1/webhooks/deliveries?webhook=no-such-hook"),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.message).toMatch(/no webhook named "no-such-hook"/);
    }
  });

  it("(e) refuses non-admins with 403", async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(
        "INSERT INTO users (id, name, role, updated_at) VALUES (gen_random_uuid(), 'walter', 'user', now())",
      );
    } finally {
      await client.end();
    }
    const key = await cp.api().post("/api/v1/api-keys", { name: "walter-key", user: "walter" });
    expect(key.status, key.text).toBe(201);
    const walter = cp.api(key.body.key as string);
    for (const res of [
      await walter.get("/api/v1/webhooks"),
      await walter.post("/api/v1/webhooks", { name: "mine", url: "https://example.com/" }),
      await walter.get("/api/v1/webhooks/deliveries"),
      await walter.post("/api/v1/webhooks/ok-hook/test"),
      await walter.delete("/api/v1/webhooks/ok-hook"),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("permission_denied");
    }
  });

  it("deletes a webhook with its deliveries", async () => {
    expect((await cp.api().delete("/api/v1/webhooks/moved-hook")).status).toBe(204);
    expect((await cp.api().delete("/api/v1/webhooks/moved-hook")).status).toBe(404);
    const items = await deliveries("?limit=500");
    expect(items.some((d) => d.webhook === "moved-hook")).toBe(false);
  });

  it("enqueues pending deliveries again after a restart (Redis lost the jobs)", async () => {
    const { webhook } = await createWebhook("late-hook", "/late");
    await cp.proc.stop();
    // A delivery whose row committed but whose job never reached Redis.
    const id = "00000000-0000-4000-8000-00000000a7e1";
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO webhook_deliveries (id, webhook_id, event, payload)
         VALUES ($1, $2, 'review.requested', $3)`,
        [id, webhook.id, JSON.stringify({ review: { id: "rv-0000000001" } })],
      );
    } finally {
      await client.end();
    }
    await cp.restart();
    await waitForDelivery(id, "delivered");
    const [request] = receiver.at("/late");
    expect(request!.json).toMatchObject({
      event: "review.requested",
      deliveryId: id,
      review: { id: "rv-0000000001" },
    });
  });
});

describe("airlock admin webhooks", () => {
  let cli: Cli;

  beforeAll(() => {
    cli = new Cli();
    const login = cli.run(["login", "--api-key", "-", "--url", cp.httpUrl], cp.options.adminKey);
    expect(login.status, login.stderr).toBe(0);
  });

  it("(f) creates a webhook and prints its secret once", () => {
    const res = cli.run(["admin", "webhooks", "create", "cli-hook", "--url", receiver.url("/cli")]);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Created webhook "cli-hook"/);
    const secret = /shown once[^\n]*\n\s+([A-Za-z0-9_-]{43})\n/.exec(res.stdout)?.[1];
    expect(secret).toBeDefined();
    secrets.push(secret!);
    expect(res.stdout).toMatch(/X-Airlock-Signature/);

    const list = cli.run(["admin", "webhooks", "list"]);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+URL\s+RECEIVES/m);
    expect(list.stdout).toMatch(/^cli-hook\s+http:\/\/127\.0\.0\.1:\d+\/cli\s+rules that name it/m);
    expect(list.stdout).not.toContain(secret);
  });

  it("(f) takes the secret from stdin and does not print it", () => {
    const secret = `cli-secret-${randomBytes(8).toString("hex")}`;
    const res = cli.run(
      [
        "admin",
        "webhooks",
        "create",
        "cli-stdin",
        "--url",
        receiver.url("/cli2"),
        "--all",
        "--secret-stdin",
      ],
      `${secret}\n`,
    );
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).not.toContain(secret);
    expect(res.stdout).toMatch(/Receives:\s+all notifications/);
  });

  it("(f) sends a test delivery and lists deliveries", async () => {
    const test = cli.run(["admin", "webhooks", "test", "cli-hook", "-o", "json"]);
    expect(test.status, test.stderr).toBe(0);
    const queued = JSON.parse(test.stdout) as { id: string };
    await waitForDelivery(queued.id, "delivered");

    const mine = cli.run(["admin", "webhooks", "deliveries", "--webhook", "cli-hook"]);
    expect(mine.status).toBe(0);
    expect(mine.stdout).toMatch(/^ID\s+WEBHOOK\s+EVENT\s+REVIEW\s+STATUS\s+ATTEMPTS/m);
    expect(mine.stdout).toMatch(
      new RegExp(`^${queued.id}\\s+cli-hook\\s+webhook\\.test\\s+-\\s+delivered\\s+1\\s+200`, "m"),
    );

    const failed = cli.run(["admin", "webhooks", "deliveries", "--status", "failed", "-o", "json"]);
    expect(failed.status).toBe(0);
    const items = JSON.parse(failed.stdout) as { webhook: string; status: string }[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((d) => d.status === "failed")).toBe(true);
    expect(items.some((d) => d.webhook === "down-hook")).toBe(true);

    const bad = cli.run(["admin", "webhooks", "deliveries", "--status", "lost"]);
    expect(bad.status).toBe(2);
  });

  it("(f) deletes a webhook, and reports an unknown one readably", () => {
    const del = cli.run(["admin", "webhooks", "delete", "cli-stdin"]);
    expect(del.status, del.stderr).toBe(0);
    expect(del.stdout).toMatch(/Deleted webhook "cli-stdin"/);
    const again = cli.run(["admin", "webhooks", "delete", "cli-stdin"]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/no webhook named "cli-stdin"/);
    expect(again.stderr).not.toMatch(/\n\s+at /);
  });
});
