// Faults on the Postgres path: bad bytes close only the offending session,
// a command that cannot be recorded is not run (write-ahead), a killed connector
// gives the client a clear error and the session ends as "connector lost", and
// a control plane on SIGTERM tells its clients why.
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gateway } from "./gateway";
import { startConnector, waitUntil } from "./harness";

let gw: Gateway;

beforeAll(async () => {
  gw = await Gateway.start({
    controlPlaneEnv: { AIRLOCK_PG_MAX_FRAME_BYTES: String(1024 * 1024) },
  });
}, 90_000);

afterAll(async () => {
  await gw?.stop();
});

/** Opens a raw TCP connection to `airlock connect`, sends bytes, returns all it got until close. */
function rawSession(
  port: number,
  send: (socket: Socket) => void,
  timeoutMs = 10_000,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the session stayed open; got ${Buffer.concat(chunks).toString("latin1")}`));
    }, timeoutMs);
    socket.on("data", (d) => chunks.push(d));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.on("error", () => undefined);
    socket.on("connect", () => send(socket));
  });
}

function startup(user = "admin", database = "demo"): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + params.length, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, params]);
}

/** The ErrorResponse fields in what the gateway sent back. */
function errorFields(bytes: Buffer): Record<string, string> {
  const at = bytes.indexOf(0x45); // 'E'
  if (at < 0) return {};
  const len = bytes.readInt32BE(at + 1);
  const body = bytes.subarray(at + 5, at + 1 + len);
  const fields: Record<string, string> = {};
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const code = String.fromCharCode(body[i]!);
    const end = body.indexOf(0, i + 1);
    fields[code] = body.toString("utf8", i + 1, end);
    i = end + 1;
  }
  return fields;
}

describe("bad input closes only the offending session", () => {
  it("garbage bytes instead of a startup packet", async () => {
    const survivor = await gw.client();
    try {
      const reply = await rawSession(gw.port, (s) =>
        s.end(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n")),
      );
      expect(errorFields(reply).C).toBe("08P01");
      expect((await survivor.query("select 1 as ok")).rows).toEqual([{ ok: 1 }]);
    } finally {
      await survivor.end();
    }
  });

  it("an oversized frame after startup", async () => {
    const survivor = await gw.client();
    try {
      const reply = await rawSession(gw.port, (s) => {
        s.write(startup());
        setTimeout(() => {
          const huge = Buffer.alloc(5);
          huge.write("Q", 0, "latin1");
          huge.writeInt32BE(64 * 1024 * 1024, 1);
          s.write(huge);
        }, 500);
      });
      const fields = errorFields(reply.subarray(reply.lastIndexOf(0x45)));
      expect(fields.C).toBe("08P01");
      expect(fields.M).toMatch(/limit|too large|exceeds/i);
      expect((await survivor.query("select 2 as ok")).rows).toEqual([{ ok: 2 }]);
    } finally {
      await survivor.end();
    }
    const [row] = await gw.store_(
      "select close_reason from sessions where close_reason like 'protocol error%' order by started_at desc limit 1",
    );
    expect(row.close_reason).toMatch(/^protocol error: /);
  });

  it("a truncated startup packet", async () => {
    const reply = await rawSession(gw.port, (s) => s.end(startup().subarray(0, 12)));
    // Nothing usable came back, the session is gone, and the gateway is still up.
    expect(reply.includes(Buffer.from("Z"))).toBe(false);
    expect((await gw.cp.api(null).get("/readyz")).status).toBe(200);
    const client = await gw.client();
    try {
      expect((await client.query("select 3 as ok")).rows).toEqual([{ ok: 3 }]);
    } finally {
      await client.end();
    }
  });
});

describe("write-ahead recording", () => {
  it("does not run a command whose record cannot be written, and the session stays usable", async () => {
    const client = await gw.client();
    try {
      await client.query("create table wal_probe (id int)");
      await gw.store_(
        "alter table commands add constraint airlock_test_block check (false) not valid",
      );
      await expect(client.query("insert into wal_probe values (1)")).rejects.toMatchObject({
        code: "58000",
      });
      await gw.store_("alter table commands drop constraint airlock_test_block");
      expect((await client.query("select count(*)::int as n from wal_probe")).rows).toEqual([
        { n: 0 },
      ]);
    } finally {
      await gw.store_("alter table commands drop constraint if exists airlock_test_block");
      await client.end();
    }
    const direct = await gw.direct();
    try {
      expect((await direct.query("select count(*)::int as n from wal_probe")).rows).toEqual([
        { n: 0 },
      ]);
    } finally {
      await direct.end();
    }
  });
});

describe("a connector killed mid-session", () => {
  it("gives the client a clear error and records the session as connector lost", async () => {
    const client = await gw.client();
    const errors: Error[] = [];
    client.on("error", (e) => errors.push(e));
    expect((await client.query("select 'before' as v")).rows).toEqual([{ v: "before" }]);
    const killed = await gw.connector.stop("SIGKILL");
    expect(killed.signal).toBe("SIGKILL");
    const failure = await client.query("select 'after' as v").then(
      () => undefined,
      (e: Error) => e,
    );
    const message = failure?.message ?? errors[0]?.message ?? "";
    expect(message).toMatch(/connector/i);
    await client.end().catch(() => undefined);

    await waitUntil("the session to be recorded as connector lost", async () => {
      const rows = await gw.store_(
        "select close_reason from sessions where close_reason = 'connector lost'",
      );
      return rows.length > 0;
    });

    // A new connector process with a new token brings the connection back.
    const issued = await gw.cp.api().post("/api/v1/connectors/edge/tokens");
    gw.connector = startConnector(gw.cp.grpcAddress, issued.body.token);
    gw.procs.push(gw.connector);
    await waitUntil(
      "connector online",
      async () => (await gw.cp.api().get("/api/v1/connectors/edge")).body.status === "online",
    );
    const again = await gw.client();
    try {
      expect((await again.query("select 'back' as v")).rows).toEqual([{ v: "back" }]);
    } finally {
      await again.end();
    }
  });
});

describe("control plane shutdown", () => {
  it("tells live clients it is shutting down (57P01) and exits 0", async () => {
    const client = await gw.client();
    const errors: Array<Error & { code?: string }> = [];
    client.on("error", (e) => errors.push(e));
    await client.query("select 1");
    const exit = await gw.cp.proc.stop("SIGTERM");
    expect(exit.code).toBe(0);
    await waitUntil("the client to hear about it", () => errors.length > 0, 5_000);
    expect(errors[0]!.code).toBe("57P01");
    await client.end().catch(() => undefined);
    const [row] = await gw.store_(
      "select count(*)::int as n from sessions where close_reason = 'control plane shutting down'",
    );
    expect(row.n).toBeGreaterThan(0);
  });
});
