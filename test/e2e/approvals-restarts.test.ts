// Approvals across failures (DESIGN §5 invariant 6, docs/design/0006-approvals.md):
// a private Redis that the test stops and starts (it keeps nothing on disk, so a restart
// loses every BullMQ job), and control-plane restarts, while reviews are pending.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrivateRedis, type PrivateRedis } from "../support/private-redis";
import { Gateway, withClient } from "./gateway";
import { type Api, waitUntil } from "./harness";

const POLICY = {
  name: "restarts-test",
  subjects: { users: ["admin"] },
  resources: { connections: ["demo"] },
  rules: [
    {
      id: "ddl-needs-dba",
      match: { sql: { statements: ["ddl"] } },
      action: "review",
      review: { approvers: ["dba"], timeout: "30m" },
    },
    {
      id: "truncate-short",
      match: { sql: { statements: ["truncate"] } },
      action: "review",
      review: { approvers: ["dba"], timeout: "4s" },
    },
    { id: "reads", match: { sql: { statements: ["select"] } }, action: "allow" },
  ],
};

let redis: PrivateRedis;
let gw: Gateway;
let admin: Api;
let alice: Api;

beforeAll(async () => {
  redis = await startPrivateRedis();
  gw = await Gateway.start({
    policy: "none",
    controlPlaneEnv: {
      REDIS_URL: redis.url,
      AIRLOCK_REDIS_PREFIX: `t-restarts-${randomBytes(4).toString("hex")}`,
    },
  });
  admin = gw.cp.api();
  await gw.applyPolicy(POLICY);
  expect((await admin.post("/api/v1/users", { name: "alice", groups: ["dba"] })).status).toBe(201);
  const key = await admin.post("/api/v1/api-keys", { name: "t", user: "alice" });
  alice = gw.cp.api(key.body.key);
  await withClient(gw.target.url, (c) =>
    c.query("CREATE TABLE t1 (id int); CREATE TABLE t2 (id int)"),
  );
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
});

function psqlRun(sql: string) {
  const proc = gw.psqlAsync(["-v", "ON_ERROR_STOP=1", "-c", sql]);
  let out = "";
  let err = "";
  proc.stdout.on("data", (b: Buffer) => (out += b.toString()));
  proc.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const done = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return { proc, stderr: () => err, stdout: () => out, done };
}

async function heldId(run: { stderr: () => string }): Promise<string> {
  return waitUntil(
    "the hold notice",
    () => /review (rv-[0-9a-z]{10})/.exec(run.stderr())?.[1],
    20_000,
  );
}

async function statusOf(id: string): Promise<string> {
  const res = await gw.cp.api().get(`/api/v1/reviews/${id}`);
  return res.body.status;
}

async function tableExists(name: string): Promise<boolean> {
  const rows = await withClient(
    gw.target.url,
    async (c) => (await c.query("SELECT 1 FROM pg_tables WHERE tablename = $1", [name])).rows,
  );
  return rows.length === 1;
}

describe("Redis", () => {
  it("unreachable: commands that need review are refused (fail closed), allowed ones keep working", async () => {
    await redis.stop();
    try {
      const read = gw.psql(["-c", "SELECT count(*) FROM customers"]);
      expect(read.status, read.stderr).toBe(0);
      const ddl = gw.psql(["-c", "DROP TABLE t1"]);
      expect(ddl.status).not.toBe(0);
      expect(ddl.stderr).toContain("approvals need Redis, which is unreachable");
      expect(ddl.stderr).toContain("nothing was run");
      expect(await tableExists("t1")).toBe(true);
    } finally {
      await redis.start();
    }
    await waitUntil(
      "redis back for the control plane",
      async () => (await fetch(`${gw.cp.httpUrl}/readyz`)).status === 200,
    );
  });

  it("a restart while a command is held: the approval still releases it, and expiry still happens", async () => {
    const held = psqlRun("DROP TABLE t1");
    const id = await heldId(held);
    const short = psqlRun("TRUNCATE t2");
    const shortId = await heldId(short);
    await redis.stop();
    await redis.start();
    // Every BullMQ job (the expiry of `shortId` included) is gone with the old Redis.
    await waitUntil(
      "redis back",
      async () => (await fetch(`${gw.cp.httpUrl}/readyz`)).status === 200,
    );
    const approved = await alice.post(`/api/v1/reviews/${id}/approve`, {});
    expect(approved.status, approved.text).toBe(200);
    expect(await held.done).toBe(0);
    expect(await tableExists("t1")).toBe(false);
    expect(await short.done).toBe(1);
    expect(short.stderr()).toContain(
      `review ${shortId} (rule restarts-test/truncate-short) expired`,
    );
    expect(await statusOf(shortId)).toBe("expired");
  });
});

describe("control plane", () => {
  it("a restart during a pending review loses nothing: approve afterwards, run it once with exec --review", async () => {
    const held = psqlRun("CREATE TABLE made_after_restart (id int)");
    const id = await heldId(held);
    await gw.cp.proc.stop("SIGKILL");
    expect(await held.done).not.toBe(0);
    await gw.cp.restart();
    expect(await statusOf(id)).toBe("pending");
    const approved = await alice.post(`/api/v1/reviews/${id}/approve`, {
      reason: "after the restart",
    });
    expect(approved.body.status).toBe("approved");
    expect(await tableExists("made_after_restart")).toBe(false);

    await waitUntil(
      "the connector back",
      async () => (await admin.get("/api/v1/connectors/edge")).body.status === "online",
    );
    const run = gw.cli.run(["exec", "demo", "--review", id]);
    expect(run.status, run.stderr).toBe(0);
    expect(await tableExists("made_after_restart")).toBe(true);
    expect(await statusOf(id)).toBe("executed");
    const twice = gw.cli.run(["exec", "demo", "--review", id]);
    expect(twice.status).not.toBe(0);
    expect(twice.stderr).toContain(`${id} has already run`);
  });

  it("two concurrent exec --review runs of one approval: exactly one runs", async () => {
    const held = psqlRun("CREATE TABLE made_once (id int)");
    const id = await heldId(held);
    held.proc.kill("SIGKILL"); // the client went away; the review stays
    await held.done;
    const sessionId = (await gw.cp.api().get(`/api/v1/reviews/${id}`)).body.sessionId;
    await waitUntil("the holding session to end", async () => {
      const session = await gw.cp.api().get(`/api/v1/sessions/${sessionId}`);
      return (
        session.body.status !== "active" && session.body.commands.at(-1).status === "interrupted"
      );
    });
    await alice.post(`/api/v1/reviews/${id}/approve`, {});
    const procs = [0, 1].map(() => gw.cli.spawn(["exec", "demo", "--review", id]));
    const runs = await Promise.all(procs.map((p) => p.exited));
    // Exactly one runs it. The other is refused by the gateway's claim (exit 1) or, when it
    // starts after the first finished, by the CLI's own check of the review (exit 2).
    const codes = runs.map((r) => r.code);
    expect(codes.filter((c) => c === 0)).toHaveLength(1);
    expect(codes.filter((c) => c !== 0).every((c) => c === 1 || c === 2)).toBe(true);
    expect(await tableExists("made_once")).toBe(true);
    const detail = await gw.cp.api().get(`/api/v1/reviews/${id}`);
    expect(detail.body.trail.filter((e: any) => e.code === "review.executed")).toHaveLength(1);
  });

  it("a review that expires while the control plane is down is expired when it comes back", async () => {
    const held = psqlRun("TRUNCATE t2");
    const id = await heldId(held);
    await gw.cp.proc.stop("SIGKILL");
    await held.done;
    await new Promise((r) => setTimeout(r, 4500));
    await gw.cp.restart();
    await waitUntil(
      "expired after the restart",
      async () => (await statusOf(id)) === "expired",
      15_000,
    );
    const late = await alice.post(`/api/v1/reviews/${id}/approve`, {});
    expect(late.status).toBe(409);
  });
});
