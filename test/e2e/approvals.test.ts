// Just-in-time approvals through the real gateway, with two control-plane replicas on one
// store and one Redis: psql → airlock connect → replica A → connector → Postgres, while
// approvers vote through replica B's REST API (docs/design/0006-approvals.md).
import { type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gateway, withClient } from "./gateway";
import { Api, Cli, ControlPlane, waitUntil } from "./harness";

const PREFIX = `t-approvals-${randomBytes(4).toString("hex")}`;
const POLICY = {
  name: "approvals-test",
  subjects: { users: ["admin", "carol"] },
  resources: { connections: ["demo"] },
  rules: [
    {
      id: "ddl-needs-dba",
      match: { sql: { statements: ["ddl"] } },
      action: "review",
      message: "schema changes need a DBA",
      review: { approvers: ["dba"], timeout: "30m", break_glass: ["oncall"] },
    },
    {
      id: "deletes-need-two",
      match: { sql: { statements: ["delete"] } },
      action: "review",
      review: { approvers: ["dba"], min_approvals: 2, timeout: "30m" },
    },
    {
      id: "truncate-short",
      match: { sql: { statements: ["truncate"] } },
      action: "review",
      review: { approvers: ["dba"], timeout: "3s" },
    },
    {
      id: "counter-insert",
      match: { sql: { statements: ["insert"], tables: ["counter"] } },
      action: "review",
      review: { approvers: ["dba"], timeout: "30m" },
    },
    {
      id: "justify-updates",
      match: { sql: { statements: ["update"], tables: ["orders"] } },
      action: "review",
      review: { approvers: ["dba"], timeout: "30m", require_justification: true },
    },
    {
      id: "customers-updates-denied",
      match: { sql: { statements: ["update"], tables: ["customers"] } },
      action: "deny",
      message: "customers are read-only",
    },
    {
      id: "the-rest",
      match: { sql: { statements: ["select", "insert", "update", "set", "show", "transaction"] } },
      action: "allow",
    },
  ],
};
const ELEVATION = {
  name: "customers-writer",
  elevation: { role: "customers-write", approvers: ["dba"], max_duration: "1h", timeout: "10m" },
  subjects: { users: ["admin"] },
  resources: { connections: ["demo"] },
  rules: [
    {
      id: "update-customers",
      match: { sql: { statements: ["update"], tables: ["customers"] } },
      action: "allow",
    },
  ],
};

interface Person {
  name: string;
  key: string;
  api: Api;
}

let gw: Gateway;
let replicaB: ControlPlane;
let alice: Person; // dba
let bob: Person; // dba
let carol: Person; // no approver group
let olivia: Person; // oncall (break glass)
let admin: Api;
let hook: {
  server: Server;
  url: string;
  received: { headers: Record<string, string>; body: string }[];
};
let hookSecret: string;

beforeAll(async () => {
  hook = await startReceiver();
  gw = await Gateway.start({
    policy: "none",
    controlPlaneEnv: { AIRLOCK_REDIS_PREFIX: PREFIX },
  });
  await withClient(gw.target.url, async (c) => {
    await c.query("CREATE TABLE counter (n int)");
    await c.query("CREATE INDEX customers_country_idx ON customers (country)");
    await c.query("CREATE TABLE scratch (id int)");
  });
  replicaB = await ControlPlane.start({
    databaseUrl: gw.store.url,
    adminKey: gw.cp.options.adminKey,
    masterKey: gw.cp.options.masterKey,
    env: { AIRLOCK_REDIS_PREFIX: PREFIX },
  });
  admin = gw.cp.api();
  alice = await person("alice", ["dba"]);
  bob = await person("bob", ["dba"]);
  carol = await person("carol", []);
  olivia = await person("olivia", ["oncall"]);
  await gw.applyPolicy(POLICY);
  await gw.applyPolicy(ELEVATION);
  const created = await admin.post("/api/v1/webhooks", {
    name: "all-reviews",
    url: hook.url,
    all: true,
  });
  expect(created.status).toBe(201);
  hookSecret = created.body.secret;
}, 120_000);

afterAll(async () => {
  await replicaB?.proc.stop("SIGTERM", 5000);
  await gw?.stop();
  hook?.server.close();
});

async function person(name: string, groups: string[]): Promise<Person> {
  const created = await admin.post("/api/v1/users", { name, groups });
  expect(created.status, created.text).toBe(201);
  const key = await admin.post("/api/v1/api-keys", { name: "test", user: name });
  expect(key.status, key.text).toBe(201);
  return { name, key: key.body.key, api: replicaB.api(key.body.key) };
}

/** psql -c through the gateway, running in the background. */
function psqlRun(sql: string): {
  proc: ChildProcessWithoutNullStreams;
  stderr: () => string;
  stdout: () => string;
  done: Promise<number | null>;
} {
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

async function review(id: string, api: Api = admin): Promise<any> {
  const res = await api.get(`/api/v1/reviews/${id}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

async function target<T = any>(sql: string): Promise<T[]> {
  return withClient(gw.target.url, async (c) => (await c.query(sql)).rows as T[]);
}

describe("a command held for review", () => {
  it("DROP INDEX waits in psql with a NOTICE, is approved through replica B, and runs on replica A", async () => {
    const run = psqlRun("DROP INDEX orders_status_idx");
    const id = await heldId(run);
    expect(run.stderr()).toMatch(
      new RegExp(
        `NOTICE: {2}Airlock is holding this command for review ${id} \\(rule approvals-test/ddl-needs-dba\\): needs 1 approval from dba within 30m`,
      ),
    );
    expect(run.stderr()).toContain(`approve it with: airlock reviews approve ${id}`);
    // Still waiting, and listed for alice on the other replica.
    await new Promise((r) => setTimeout(r, 500));
    expect(run.proc.exitCode).toBeNull();
    const listed = await alice.api.get("/api/v1/reviews");
    expect(listed.body.items.map((r: any) => r.id)).toContain(id);
    expect(
      await target("SELECT 1 FROM pg_indexes WHERE indexname = 'orders_status_idx'"),
    ).toHaveLength(1);

    const approved = await alice.api.post(`/api/v1/reviews/${id}/approve`, { reason: "planned" });
    expect(approved.status, approved.text).toBe(200);
    // The holding session may already have run it by the time the answer is read back.
    expect(["approved", "executed"]).toContain(approved.body.status);
    expect(await run.done).toBe(0);
    expect(run.stdout()).toContain("DROP INDEX");
    expect(
      await target("SELECT 1 FROM pg_indexes WHERE indexname = 'orders_status_idx'"),
    ).toHaveLength(0);

    const after = await review(id);
    expect(after.status).toBe("executed");
    expect(after.trail.map((e: any) => e.code)).toEqual([
      "review.requested",
      "review.vote",
      "review.approved",
      "review.executed",
    ]);
    // The completion is recorded after the result (batched): wait for it.
    const session = await waitUntil("the released command's completion", async () => {
      const s = await admin.get(`/api/v1/sessions/${after.sessionId}`);
      const c = s.body.commands.find((x: any) => x.seq === after.commandSeq);
      return c?.status === "ok" ? s : undefined;
    });
    const command = session.body.commands.find((c: any) => c.seq === after.commandSeq);
    expect(command).toMatchObject({ decision: "review", status: "ok", reviewId: id });
    expect(after.executionSessionId).toBe(after.sessionId);
    expect(session.body.reviews.map((r: any) => r.id)).toContain(id);

    const shown = gw.cli.run(["sessions", "show", after.sessionId]);
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`held for review ${id} (rule approvals-test/ddl-needs-dba)`);
    expect(shown.stdout).toContain("Approvals:");
    expect(shown.stdout).toMatch(new RegExp(`${id}\\s+executed seq ${after.commandSeq}`));
    expect(shown.stdout).toMatch(/approved by alice .*: planned/);
    expect(shown.stdout).toMatch(/\n {4}ran /);
  });

  it("through the CLI: exec --no-wait exits 5 with the id, the approver approves with `airlock reviews`, exec --review runs it", async () => {
    const held = gw.cli.run([
      "exec",
      "demo",
      "--no-wait",
      "-c",
      "DROP INDEX IF EXISTS scratch_idx",
    ]);
    expect(held.status, held.stderr).toBe(5);
    const id = held.stdout.trim();
    expect(id).toMatch(/^rv-[0-9a-z]{10}$/);
    expect(held.stderr).toContain(`airlock exec demo --review ${id}`);
    // The held session ends once exec has gone; the review stays pending.
    const sessionId = (await review(id)).sessionId;
    await waitUntil("the held session to end", async () => {
      const s = await admin.get(`/api/v1/sessions/${sessionId}`);
      return s.body.status !== "active" && s.body.commands.at(-1).status === "interrupted";
    });
    expect((await review(id)).status).toBe("pending");

    const approver = new Cli();
    const login = approver.run(
      [
        "login",
        "--api-key",
        "-",
        "--url",
        replicaB.httpUrl,
        "--grpc-address",
        replicaB.grpcAddress,
      ],
      alice.key,
    );
    expect(login.status, login.stderr).toBe(0);
    const listed = approver.run(["reviews", "list"]);
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain("DROP INDEX IF EXISTS scratch_idx");
    const shown = approver.run(["reviews", "show", id]);
    expect(shown.stdout).toContain("approvals-test/ddl-needs-dba");
    const noReason = approver.run(["reviews", "reject", id]);
    expect(noReason.status).not.toBe(0);
    const approved = approver.run(["reviews", "approve", id, "--reason", "fine"]);
    expect(approved.status, approved.stderr).toBe(0);
    expect(approved.stdout).toContain("approved");

    const ran = gw.cli.run(["exec", "demo", "--review", id]);
    expect(ran.status, ran.stderr).toBe(0);
    expect((await review(id)).status).toBe("executed");
  });

  it("a quorum of 2: one approval does not release it, the second does", async () => {
    const run = psqlRun("DELETE FROM scratch WHERE id = 1");
    const id = await heldId(run);
    const first = await alice.api.post(`/api/v1/reviews/${id}/approve`, {});
    expect(first.body).toMatchObject({ status: "pending", approvals: 1, minApprovals: 2 });
    await new Promise((r) => setTimeout(r, 2500));
    expect(run.proc.exitCode).toBeNull();
    expect((await review(id)).status).toBe("pending");
    const again = await alice.api.post(`/api/v1/reviews/${id}/approve`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain("already voted");
    const second = await bob.api.post(`/api/v1/reviews/${id}/approve`, {});
    expect(second.body).toMatchObject({ approvals: 2 });
    expect(["approved", "executed"]).toContain(second.body.status);
    expect(await run.done).toBe(0);
    expect(run.stdout()).toContain("DELETE 0");
  });

  it("nobody approves their own request, and only approvers vote", async () => {
    const run = psqlRun("DROP INDEX customers_country_idx");
    const id = await heldId(run);
    const own = await admin.post(`/api/v1/reviews/${id}/approve`, {});
    expect(own.status).toBe(403);
    expect(own.body.error.message).toContain("nobody may approve or reject their own request");
    const outsider = await carol.api.post(`/api/v1/reviews/${id}/approve`, {});
    expect(outsider.status).toBe(404); // carol may not even see it
    const ownReject = await admin.post(`/api/v1/reviews/${id}/reject`, { reason: "never mind" });
    expect(ownReject.status).toBe(403);
    // Break glass: alone, with a reason, flagged.
    const noReason = await olivia.api.post(`/api/v1/reviews/${id}/approve`, { breakGlass: true });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.message).toContain("break-glass approval needs a reason");
    const plain = await olivia.api.post(`/api/v1/reviews/${id}/approve`, {});
    expect(plain.status).toBe(403);
    const glass = await olivia.api.post(`/api/v1/reviews/${id}/approve`, {
      breakGlass: true,
      reason: "incident 42",
    });
    expect(glass.body).toMatchObject({ breakGlass: true });
    expect(["approved", "executed"]).toContain(glass.body.status);
    expect(await run.done).toBe(0);
    const trail = (await review(id)).trail;
    expect(trail.find((e: any) => e.code === "review.approved").data).toMatchObject({
      breakGlass: true,
      reason: "incident 42",
    });
  });

  it("a reject is final: psql gets the reason and who decided, nothing ran", async () => {
    const run = psqlRun("DROP TABLE scratch");
    const id = await heldId(run);
    const rejected = await bob.api.post(`/api/v1/reviews/${id}/reject`, { reason: "not today" });
    expect(rejected.body.status).toBe("rejected");
    expect(await run.done).toBe(1);
    expect(run.stderr()).toContain(
      `ERROR:  Airlock did not run this command: review ${id} (rule approvals-test/ddl-needs-dba) was rejected by bob: not today`,
    );
    expect(await target("SELECT 1 FROM pg_tables WHERE tablename = 'scratch'")).toHaveLength(1);
    const late = await alice.api.post(`/api/v1/reviews/${id}/approve`, {});
    expect(late.status).toBe(409);
    expect(late.body.error.message).toContain(`review ${id} is rejected by bob`);
    const after = await review(id);
    const session = await admin.get(`/api/v1/sessions/${after.sessionId}`);
    expect(session.body.commands.find((c: any) => c.seq === after.commandSeq).status).toBe(
      "rejected",
    );
  });

  it("expiry: the client gets the error once the timeout passes", async () => {
    const run = psqlRun("TRUNCATE scratch");
    const id = await heldId(run);
    expect(await run.done).toBe(1);
    expect(run.stderr()).toMatch(
      new RegExp(
        `review ${id} \\(rule approvals-test/truncate-short\\) expired, no decision within 3s \\(0 of 1 approvals\\)`,
      ),
    );
    const after = await review(id);
    expect(after.status).toBe("expired");
    expect(after.trail.map((e: any) => e.code)).toContain("review.expired");
    const late = await alice.api.post(`/api/v1/reviews/${id}/approve`, {});
    expect(late.status).toBe(409);
  });

  it("exactly once under two concurrent approvals through both replicas", async () => {
    const run = psqlRun("INSERT INTO counter VALUES (1)");
    const id = await heldId(run);
    const [a, b] = await Promise.all([
      alice.api.post(`/api/v1/reviews/${id}/approve`, {}),
      new Api(gw.cp.httpUrl, bob.key).post(`/api/v1/reviews/${id}/approve`, {}),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    expect(await run.done).toBe(0);
    expect(await target("SELECT count(*)::int AS n FROM counter")).toEqual([{ n: 1 }]);
    expect((await review(id)).votes).toHaveLength(1);
  });

  it("require_justification: refused without --reason, named in the refusal", async () => {
    const run = psqlRun("UPDATE orders SET status = status WHERE id = 1");
    expect(await run.done).toBe(1);
    expect(run.stderr()).toContain("needs a justification");
    expect(run.stderr()).toContain("--reason");
  });

  it("Ctrl-C (a cancel request) withdraws the review", async () => {
    const run = psqlRun("DROP TABLE counter");
    const id = await heldId(run);
    run.proc.kill("SIGINT");
    expect(await run.done).toBe(1);
    expect(run.stderr()).toContain("canceling statement due to user request");
    await waitUntil("cancelled", async () => (await review(id)).status === "cancelled");
    expect(await target("SELECT 1 FROM pg_tables WHERE tablename = 'counter'")).toHaveLength(1);
  });

  it("notifies the webhook with a valid HMAC signature", async () => {
    const delivered = await waitUntil("a review.requested delivery", () =>
      hook.received.find((r) => r.headers["x-airlock-event"] === "review.requested"),
    );
    const body = JSON.parse(delivered.body);
    expect(body.review).toMatchObject({
      connection: "demo",
      requester: "admin",
      approvers: ["dba"],
    });
    expect(body.review.approveUrl).toMatch(/\/api\/v1\/reviews\/rv-[0-9a-z]{10}\/approve$/);
    const header = delivered.headers["x-airlock-signature"] as string;
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header) ?? [];
    const expected = createHmac("sha256", hookSecret).update(`${t}.${delivered.body}`).digest();
    expect(timingSafeEqual(expected, Buffer.from(v1 as string, "hex"))).toBe(true);
  });
});

describe("access grants", () => {
  it("elevates a live session once approved, and revocation ends it mid-session", async () => {
    const client = await gw.client();
    try {
      await expect(
        client.query("UPDATE customers SET country = country WHERE id = 1"),
      ).rejects.toThrow(/customers are read-only/);
      const requested = await admin.post("/api/v1/grants/requests", {
        connection: "demo",
        role: "customers-write",
        durationSeconds: 600,
        reason: "fix a country code",
      });
      expect(requested.status, requested.text).toBe(201);
      expect(requested.body).toMatchObject({
        kind: "grant",
        status: "pending",
        grantRole: "customers-write",
      });
      const self = await admin.post(`/api/v1/reviews/${requested.body.id}/approve`, {});
      expect(self.status).toBe(403);
      const approved = await alice.api.post(`/api/v1/reviews/${requested.body.id}/approve`, {});
      expect(approved.body.status).toBe("approved");
      const grantId = approved.body.grantId as string;
      expect(grantId).toMatch(/^gr-/);
      await waitUntil("the elevation to reach the live session", async () => {
        try {
          await client.query("UPDATE customers SET country = country WHERE id = 1");
          return true;
        } catch {
          return false;
        }
      });
      const revoked = await bob.api.post(`/api/v1/grants/${grantId}/revoke`, { reason: "done" });
      expect(revoked.status, revoked.text).toBe(200);
      expect(revoked.body).toMatchObject({ status: "revoked", revokedBy: { name: "bob" } });
      await waitUntil("the revocation to reach the live session", async () => {
        try {
          await client.query("UPDATE customers SET country = country WHERE id = 1");
          return false;
        } catch (err) {
          return /customers are read-only/.test(String(err));
        }
      });
    } finally {
      await client.end();
    }
  });

  it("expires mid-session at its end time", async () => {
    const client = await gw.client();
    try {
      const requested = await admin.post("/api/v1/grants/requests", {
        connection: "demo",
        role: "customers-write",
        durationSeconds: 5,
        reason: "a short fix",
      });
      const approved = await alice.api.post(`/api/v1/reviews/${requested.body.id}/approve`, {});
      const grantId = approved.body.grantId as string;
      await waitUntil("elevated", async () =>
        client.query("UPDATE customers SET country = country WHERE id = 2").then(
          () => true,
          () => false,
        ),
      );
      await waitUntil(
        "the grant to expire in the live session",
        async () =>
          client.query("UPDATE customers SET country = country WHERE id = 2").then(
            () => false,
            (err: unknown) => /customers are read-only/.test(String(err)),
          ),
        15_000,
      );
      await waitUntil("the grant row expired", async () => {
        const list = await admin.get("/api/v1/grants?scope=all");
        return list.body.items.find((g: any) => g.id === grantId)?.status === "expired";
      });
    } finally {
      await client.end();
    }
  });

  it("refuses roles that are not open to the user, and durations over the maximum", async () => {
    const unknown = await admin.post("/api/v1/grants/requests", {
      connection: "demo",
      role: "superuser",
      durationSeconds: 600,
      reason: "x",
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('no elevation role "superuser"');
    expect(unknown.body.error.message).toContain("customers-write");
    const long = await admin.post("/api/v1/grants/requests", {
      connection: "demo",
      role: "customers-write",
      durationSeconds: 7200,
      reason: "x",
    });
    expect(long.status).toBe(400);
    expect(long.body.error.message).toContain("at most 1h");
    const notOpen = await carol.api.post("/api/v1/grants/requests", {
      connection: "demo",
      role: "customers-write",
      durationSeconds: 600,
      reason: "x",
    });
    expect(notOpen.status).toBe(400);
  });
});

async function startReceiver(): Promise<typeof hook> {
  const received: { headers: Record<string, string>; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers as Record<string, string>, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return { server, url: `http://127.0.0.1:${address.port}/hook`, received };
}
