// NotificationsFacade.notify against real Postgres and Redis, in process (no HTTP): one
// delivery row per target webhook, its job enqueued after the commit, unknown names
// skipped with a warning, and Redis being down never failing a notification (the rows
// stay pending and requeuePending() enqueues them later).
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import path from "node:path";
import pino, { type Logger } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db";
import type { AppConfig } from "../src/config/config.types";
import { applyMigrations, findMigrationsDir } from "../src/db/migrator";
import { PrismaService } from "../src/db/prisma.service";
import { JobsService } from "../src/jobs/jobs.service";
import { DeliveryQueue } from "../src/notifications/delivery-queue";
import { DeliveryRepository } from "../src/notifications/delivery.repository";
import { NotificationsFacade } from "../src/notifications/notifications.facade";
import { Notifier } from "../src/notifications/notifier";
import { WebhookRepository } from "../src/notifications/webhook.repository";
import { WebhooksService } from "../src/notifications/webhooks.service";
import { AuditRepository } from "../src/audit/audit.repository";
import { AuditService } from "../src/audit/audit.service";
import type { Principal } from "../src/identity/auth/principal";
import { RedisService } from "../src/redis/redis.service";

/** The services of the notifications module on one Redis URL, wired as Nest would. */
interface Wiring {
  facade: NotificationsFacade;
  queue: DeliveryQueue;
  webhooks: WebhooksService;
  deliveries: DeliveryRepository;
  redis: RedisService;
  stop(): Promise<void>;
}

const logLines: Record<string, unknown>[] = [];
const logger: Logger = pino(
  { level: "debug" },
  { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) },
);

const admin: Principal = {
  userId: "00000000-0000-4000-8000-000000000001",
  userName: "admin",
  kind: "human",
  role: "admin",
  authMethod: "api_key",
  apiKeyId: null,
  loginSessionId: null,
  connections: [],
  scopes: [],
};

function wire(config: AppConfig): Wiring {
  const prisma = new PrismaService(config, logger);
  const redis = new RedisService(config, logger);
  const jobs = new JobsService(config, logger, redis);
  const webhookRepo = new WebhookRepository(prisma);
  const deliveries = new DeliveryRepository(prisma);
  const queue = new DeliveryQueue(config, logger, jobs, deliveries);
  const notifier = new Notifier(logger, prisma, webhookRepo, deliveries, queue);
  return {
    facade: new NotificationsFacade(notifier),
    queue,
    webhooks: new WebhooksService(
      config,
      logger,
      webhookRepo,
      deliveries,
      notifier,
      new AuditService(new AuditRepository(prisma), logger),
    ),
    deliveries,
    redis,
    async stop() {
      await jobs.stop();
      await redis.stop();
      await prisma.stop();
    },
  };
}

async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

async function redisReady(redis: RedisService): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (redis.client.status !== "ready") {
    if (Date.now() > deadline) throw new Error("Redis at 127.0.0.1:6379 did not become ready");
    await new Promise((r) => setTimeout(r, 20));
  }
}

let db: TestDatabase;
let config: AppConfig;
let up: Wiring;
let down: Wiring;

/** The BullMQ job of a delivery, as stored in Redis (the hash BullMQ writes). */
async function jobOf(deliveryId: string): Promise<Record<string, string>> {
  const key = `${config.redisPrefix}:bull:webhook-delivery:webhook-delivery-${deliveryId}`;
  return up.redis.client.hgetall(key);
}

beforeAll(async () => {
  db = await createTestDatabase();
  await applyMigrations({
    databaseUrl: db.url,
    migrationsDir: findMigrationsDir(path.resolve(__dirname)),
  });
  config = {
    databaseUrl: db.url,
    redisUrl: "redis://127.0.0.1:6379",
    redisPrefix: `t-notify-${randomBytes(4).toString("hex")}`,
    masterKey: randomBytes(32),
    webhooks: { attempts: 4, backoffMs: 250 },
  } as AppConfig;
  up = wire(config);
  down = wire({ ...config, redisUrl: `redis://127.0.0.1:${await closedPort()}` });
  await redisReady(up.redis);
  await up.webhooks.create(admin, { name: "everything", url: "https://example.com/a", all: true });
  await up.webhooks.create(admin, {
    name: "dba-channel",
    url: "https://example.com/b",
    all: false,
  });
  await up.webhooks.create(admin, { name: "unrelated", url: "https://example.com/c", all: false });
});

afterAll(async () => {
  const keys = await up?.redis.client.keys(`${config.redisPrefix}:*`);
  if (keys !== undefined && keys.length > 0) await up.redis.client.del(...keys);
  await up?.stop();
  await down?.stop();
  await db?.drop();
});

describe("NotificationsFacade.notify", () => {
  it("creates one pending delivery per target (all + named) and enqueues each", async () => {
    const payload = { review: { id: "rv-aaaaaaaaaa", sql: "DROP TABLE t" } };
    await up.facade.notify("review.requested", payload, {
      reviewId: "rv-aaaaaaaaaa",
      webhookNames: ["dba-channel", "dba-channel", "no-such-hook"],
    });

    const rows = await up.deliveries.list({ limit: 50 });
    const mine = rows.filter((r) => r.reviewId === "rv-aaaaaaaaaa");
    expect(mine.map((r) => r.webhook.name).sort()).toEqual(["dba-channel", "everything"]);
    for (const row of mine) {
      expect(row).toMatchObject({ event: "review.requested", status: "pending", attempts: 0 });
      expect(row.payload).toEqual(payload);
      const job = await jobOf(row.id);
      expect(JSON.parse(job["data"] ?? "null")).toEqual({ deliveryId: row.id });
      expect(JSON.parse(job["opts"] ?? "null")).toMatchObject({
        attempts: 4,
        backoff: { type: "exponential", delay: 250 },
      });
    }

    const warning = logLines.find((l) => String(l["msg"]).includes("do not exist"));
    expect(warning).toMatchObject({ level: 40, webhooks: ["no-such-hook"] });
  });

  it("does nothing when no webhook is a target", async () => {
    await up.webhooks.delete(admin, "everything");
    const before = (await up.deliveries.list({ limit: 500 })).length;
    await up.facade.notify("review.approved", { review: { id: "rv-bbbbbbbbbb" } }, {});
    expect((await up.deliveries.list({ limit: 500 })).length).toBe(before);
  });

  it("never fails because Redis is down; requeuePending enqueues the rows later", async () => {
    await expect(
      down.facade.notify(
        "review.expired",
        { review: { id: "rv-cccccccccc" } },
        { reviewId: "rv-cccccccccc", webhookNames: ["dba-channel", "unrelated"] },
      ),
    ).resolves.toBeUndefined();

    const rows = (await up.deliveries.list({ limit: 500 })).filter(
      (r) => r.reviewId === "rv-cccccccccc",
    );
    expect(rows.map((r) => r.webhook.name).sort()).toEqual(["dba-channel", "unrelated"]);
    for (const row of rows) {
      expect(row.status).toBe("pending");
      expect(await jobOf(row.id)).toEqual({});
    }
    expect(logLines.some((l) => String(l["msg"]).includes("could not enqueue"))).toBe(true);

    await up.queue.requeuePending();
    for (const row of rows) expect((await jobOf(row.id))["data"]).toBeDefined();
  });
});
