// Audit push sinks (docs/design/0010-audit.md, "Export (push)"): sealed events delivered to
// a signed webhook and to syslog servers (RFC 5424, octet-counted, over TCP and TLS) by real
// receivers in this process, in seq order, each once; a sink whose receiver was down records
// the error, keeps its cursor, and catches up without skipping or repeating an event; the
// admin API validates its input, naming the field, and refuses non-admins; and the CLI.
import { execFile as execFileCb } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from "node:http";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifySignature } from "../../apps/control-plane/src/notifications/signature";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { Cli, type CliResult, ControlPlane, waitUntil } from "./harness";

const execFile = promisify(execFileCb);

// ---------------------------------------------------------------------------------------
// Receivers.

interface WebhookRequest {
  headers: IncomingHttpHeaders;
  body: string;
  json: { sink: string; test?: boolean; events: any[]; next_cursor: string };
}

/** An HTTP receiver that can be stopped and started again on the same port. */
class WebhookReceiver {
  readonly requests: WebhookRequest[] = [];
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    const server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        this.requests.push({ headers: req.headers, body, json: JSON.parse(body) });
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/audit`;
  }

  /** Batches (not test messages), in arrival order. */
  batches(): WebhookRequest[] {
    return this.requests.filter((r) => r.json.test !== true);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}

interface SyslogMessage {
  raw: string;
  pri: number;
  version: string;
  timestamp: string;
  hostname: string;
  app: string;
  procId: string;
  msgId: string;
  sdId: string;
  params: Record<string, string>;
  msg: string;
}

/** Parses one RFC 5424 message with a single SD-ELEMENT (written here, not shared with the code). */
function parseRfc5424(raw: string): SyslogMessage {
  const head = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(raw);
  if (head === null) throw new Error(`not RFC 5424: ${raw.slice(0, 80)}`);
  let i = head[0].length;
  expect(raw[i]).toBe("[");
  const sdIdEnd = raw.indexOf(" ", i);
  const sdId = raw.slice(i + 1, sdIdEnd);
  i = sdIdEnd;
  const params: Record<string, string> = {};
  while (raw[i] === " ") {
    const eq = raw.indexOf("=", i);
    const name = raw.slice(i + 1, eq);
    expect(raw[eq + 1]).toBe('"');
    let value = "";
    let j = eq + 2;
    for (; raw[j] !== '"'; j++) {
      if (raw[j] === "\\") j++;
      value += raw[j];
    }
    params[name] = value;
    i = j + 1;
  }
  expect(raw[i]).toBe("]");
  expect(raw[i + 1]).toBe(" ");
  return {
    raw,
    pri: Number(head[1]),
    version: head[2]!,
    timestamp: head[3]!,
    hostname: head[4]!,
    app: head[5]!,
    procId: head[6]!,
    msgId: head[7]!,
    sdId,
    params,
    msg: raw.slice(i + 2),
  };
}

/** A syslog server (TCP or TLS) reading octet-counted frames (RFC 6587 §3.4.1). */
class SyslogReceiver {
  readonly messages: SyslogMessage[] = [];
  readonly connections: number[] = [];
  private server: NetServer | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly tls?: { key: string; cert: string }) {}

  async start(): Promise<void> {
    const onSocket = (socket: Socket): void => {
      this.sockets.add(socket);
      let buffer = Buffer.alloc(0);
      let count = 0;
      socket.on("data", (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        for (;;) {
          const space = buffer.indexOf(0x20);
          if (space < 0) break;
          const lengthText = buffer.subarray(0, space).toString("ascii");
          if (!/^[1-9]\d{0,8}$/.test(lengthText)) throw new Error(`bad frame length ${lengthText}`);
          const length = Number(lengthText);
          if (buffer.length < space + 1 + length) break;
          const raw = buffer.subarray(space + 1, space + 1 + length).toString("utf8");
          buffer = buffer.subarray(space + 1 + length);
          this.messages.push(parseRfc5424(raw));
          count++;
        }
      });
      socket.on("error", () => undefined);
      socket.on("close", () => {
        this.sockets.delete(socket);
        expect(buffer.length, "a partial frame at the end of a connection").toBe(0);
        this.connections.push(count);
      });
    };
    const server =
      this.tls === undefined
        ? createNetServer(onSocket)
        : createTlsServer({ key: this.tls.key, cert: this.tls.cert }, onSocket);
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

// ---------------------------------------------------------------------------------------
// The control plane and the store.

const SIGNATURE_TOLERANCE_S = 300;

let db: TestDatabase;
let cp: ControlPlane;
let sql: pg.Client;
const secrets: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await ControlPlane.start({
    databaseUrl: db.url,
    env: { AIRLOCK_WEBHOOK_BACKOFF_MS: "100", AIRLOCK_WEBHOOK_ATTEMPTS: "3" },
  });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
}, 60_000);

afterAll(async () => {
  await cp?.proc.stop();
  for (const cleanup of cleanups) await cleanup();
  await sql?.end();
  await db?.drop();
});

interface StoredEvent {
  seq: string;
  id: string;
  code: string;
  correlation_id: string | null;
}

/** Every sealed event with after < seq <= through, in seq order. */
async function sealed(after = 0n, through?: bigint): Promise<StoredEvent[]> {
  const { rows } = await sql.query<StoredEvent>(
    `SELECT seq::text, id::text, code, correlation_id FROM audit_events
      WHERE seq > $1 AND ($2::bigint IS NULL OR seq <= $2) ORDER BY audit_events.seq`,
    [after.toString(), through?.toString() ?? null],
  );
  return rows;
}

/** Waits until nothing is left unsealed; the head's seq. */
async function settledHead(): Promise<bigint> {
  return waitUntil("every audit event sealed", async () => {
    const { rows } = await sql.query<{ unsealed: number; head: string | null }>(
      `SELECT (SELECT count(*)::int FROM audit_events WHERE seq IS NULL) AS unsealed,
              (SELECT max(seq)::text FROM audit_events) AS head`,
    );
    const row = rows[0]!;
    return row.unsealed === 0 && row.head !== null ? BigInt(row.head) : undefined;
  });
}

async function createUsers(prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const res = await cp.api().post("/api/v1/users", { name: `${prefix}-${i}` });
    expect(res.status, res.text).toBe(201);
  }
}

async function listSinks(): Promise<{ head: string; items: any[] }> {
  const res = await cp.api().get("/api/v1/audit/sinks");
  expect(res.status, res.text).toBe(200);
  return res.body;
}

async function sinkNamed(name: string): Promise<any> {
  const found = (await listSinks()).items.find((s) => s.name === name);
  expect(found, `sink ${name}`).toBeDefined();
  return found;
}

async function createSink(body: Record<string, unknown>): Promise<any> {
  const res = await cp.api().post("/api/v1/audit/sinks", body);
  expect(res.status, res.text).toBe(201);
  if (typeof res.body.secret === "string") secrets.push(res.body.secret);
  return res.body;
}

/** Waits until the sink's cursor is at the (settled) head; returns the head. */
async function caughtUp(name: string): Promise<bigint> {
  return waitUntil(`sink ${name} to catch up`, async () => {
    const head = await settledHead();
    const sink = await sinkNamed(name);
    return sink.cursor === head.toString() && sink.lag === 0 ? head : undefined;
  });
}

function signatureValid(secret: string, request: WebhookRequest): boolean {
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

/** The seqs of jsonl events in webhook batches, in arrival order. */
function webhookSeqs(receiver: WebhookReceiver): string[] {
  return receiver.batches().flatMap((r) => r.json.events.map((e: { seq: string }) => e.seq));
}

function range(after: bigint, through: bigint): string[] {
  const seqs: string[] = [];
  for (let s = after + 1n; s <= through; s++) seqs.push(s.toString());
  return seqs;
}

// ---------------------------------------------------------------------------------------

describe("audit push sinks", () => {
  it("(a) delivers every sealed event to a webhook, in order, signed, in contiguous batches", async () => {
    const receiver = new WebhookReceiver();
    await receiver.start();
    cleanups.push(() => receiver.stop());
    const created = await createSink({
      name: "siem-hook",
      kind: "webhook",
      url: receiver.url,
      format: "jsonl",
    });
    expect(created.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.sink).toMatchObject({
      name: "siem-hook",
      kind: "webhook",
      format: "jsonl",
      enabled: true,
      url: receiver.url,
      syslog: null,
      cursor: "0",
      lastError: null,
      lastDeliveredAt: null,
    });

    await createUsers("hook-user", 5);
    const head = await caughtUp("siem-hook");
    const stored = await sealed();
    expect(stored.map((e) => e.seq)).toEqual(range(0n, head));

    const batches = receiver.batches();
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) {
      expect(signatureValid(created.secret, batch)).toBe(true);
      expect(signatureValid("not-the-secret-0123456789", batch)).toBe(false);
      expect(batch.headers["content-type"]).toBe("application/json");
      expect(batch.headers["x-airlock-event"]).toBe("audit.events");
      expect(batch.headers["user-agent"]).toMatch(/^airlock-audit-sinks\/\d+\.\d+\.\d+/);
      expect(batch.json.sink).toBe("siem-hook");
      expect(batch.json.next_cursor).toBe(batch.json.events.at(-1).seq);
    }
    // Every event once, in seq order, with the stored id and code.
    const got = batches.flatMap((b) => b.json.events);
    expect(got.map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
    expect(got.map((e) => e.id)).toEqual(stored.map((e) => e.id));
    expect(got.map((e) => e.code)).toEqual(stored.map((e) => e.code));
    const users = got.filter((e) => e.code === "user.created").map((e) => e.data?.name ?? e.data);
    expect(JSON.stringify(users)).toContain("hook-user-4");
    expect(got.every((e) => /^[0-9a-f]{64}$/.test(e.hash))).toBe(true);

    const sink = await sinkNamed("siem-hook");
    expect(sink.lastError).toBeNull();
    expect(Date.parse(sink.lastDeliveredAt)).not.toBeNaN();
  });

  it("(a) starts at the head with start: now, and writes OCSF by default", async () => {
    const receiver = new WebhookReceiver();
    await receiver.start();
    cleanups.push(() => receiver.stop());
    const before = await settledHead();
    const created = await createSink({
      name: "ocsf-hook",
      kind: "webhook",
      url: receiver.url,
      start: "now",
    });
    expect(created.sink.format).toBe("ocsf");
    const startCursor = BigInt(created.sink.cursor);
    expect(startCursor).toBeGreaterThanOrEqual(before);

    await createUsers("ocsf-user", 3);
    const head = await caughtUp("ocsf-hook");
    const got = receiver.batches().flatMap((b) => b.json.events);
    const stored = await sealed(startCursor, head);
    expect(got.map((e) => e.metadata.uid)).toEqual(stored.map((e) => e.seq));
    expect(got.map((e) => e.metadata.event_code)).toEqual(stored.map((e) => e.code));
    expect(
      got.every((e) => e.metadata.version === "1.8.0" && typeof e.class_uid === "number"),
    ).toBe(true);
    expect(got.filter((e) => e.metadata.event_code === "user.created")).toHaveLength(3);
  });

  it("(b) sends one octet-counted RFC 5424 message per event to a syslog server over TCP", async () => {
    const receiver = new SyslogReceiver();
    await receiver.start();
    cleanups.push(() => receiver.stop());
    const created = await createSink({
      name: "syslog-tcp",
      kind: "syslog",
      host: "127.0.0.1",
      port: receiver.port,
      transport: "tcp",
    });
    expect(created.secret).toBeUndefined();
    expect(created.sink).toMatchObject({
      kind: "syslog",
      format: "cef",
      url: null,
      syslog: { host: "127.0.0.1", port: receiver.port, transport: "tcp", ca: null },
    });

    await createUsers("syslog-user", 4);
    const head = await caughtUp("syslog-tcp");
    const stored = await sealed();
    expect(receiver.messages.map((m) => m.params["seq"])).toEqual(range(0n, head));
    for (const [i, m] of receiver.messages.entries()) {
      const event = stored[i]!;
      // Facility 13 (log audit), a severity 0..7.
      expect(m.pri >> 3).toBe(13);
      expect(m.version).toBe("1");
      expect(Date.parse(m.timestamp)).not.toBeNaN();
      expect(m.hostname).toMatch(/^[\x21-\x7e]+$/);
      expect(m.app).toBe("airlock");
      expect(m.procId).toBe("-");
      expect(m.msgId).toBe(event.code);
      expect(m.sdId).toBe("airlock@32473");
      expect(m.params["correlation"]).toBe(event.correlation_id ?? undefined);
      expect(m.msg).toMatch(/^CEF:0\|Airlock\|Airlock\|[^|]+\|\d+\|/);
      expect(m.msg).toContain(`externalId=${event.seq}`);
      expect(m.msg).toContain(`|${event.code}|`);
    }
    // Several messages per connection: one connection per batch, every frame complete.
    expect(receiver.connections.reduce((a, b) => a + b, 0)).toBe(receiver.messages.length);
  });

  it("(c) catches up after its receivers were down: every event exactly once, cursor kept meanwhile", async () => {
    const hook = new WebhookReceiver();
    const syslog = new SyslogReceiver();
    await hook.start();
    await syslog.start();
    cleanups.push(
      () => hook.stop(),
      () => syslog.stop(),
    );
    const hookSink = await createSink({
      name: "down-hook",
      kind: "webhook",
      url: hook.url,
      format: "jsonl",
      start: "now",
    });
    const syslogSink = await createSink({
      name: "down-syslog",
      kind: "syslog",
      host: "127.0.0.1",
      port: syslog.port,
      transport: "tcp",
      format: "jsonl",
      start: "now",
    });
    // Each starts at the head when it was created (the first sink's creation is an event).
    const start = { hook: BigInt(hookSink.sink.cursor), syslog: BigInt(syslogSink.sink.cursor) };
    await caughtUp("down-hook");
    const base = await caughtUp("down-syslog");
    await caughtUp("down-hook");

    await hook.stop();
    await syslog.stop();
    const received = { hook: webhookSeqs(hook).length, syslog: syslog.messages.length };

    await createUsers("catch-up", 50);
    const head = await settledHead();
    expect(head - base).toBeGreaterThanOrEqual(50n);
    for (const name of ["down-hook", "down-syslog"]) {
      const failing = await waitUntil(`${name} to record an error`, async () => {
        const sink = await sinkNamed(name);
        return sink.lastError !== null ? sink : undefined;
      });
      expect(failing.cursor).toBe(base.toString());
      expect(failing.lag).toBe(Number(head - base));
      expect(Date.parse(failing.lastErrorAt)).not.toBeNaN();
    }
    expect((await sinkNamed("down-hook")).lastError).toMatch(/^webhook: network error/);
    expect((await sinkNamed("down-syslog")).lastError).toBe("syslog: network error (ECONNREFUSED)");
    // Nothing reached the stopped receivers.
    expect(webhookSeqs(hook)).toHaveLength(received.hook);
    expect(syslog.messages).toHaveLength(received.syslog);

    // Back on the same ports: the sinks catch up from their cursors.
    await hook.start();
    await syslog.start();
    const end = await caughtUp("down-hook");
    expect(await caughtUp("down-syslog")).toBe(end);

    const hookStored = await sealed(start.hook, end);
    expect(hookStored.map((e) => e.seq)).toEqual(range(start.hook, end));
    const hookEvents = hook.batches().flatMap((b) => b.json.events);
    expect(hookEvents.map((e) => e.seq)).toEqual(hookStored.map((e) => e.seq));
    expect(hookEvents.map((e) => e.id)).toEqual(hookStored.map((e) => e.id));
    const syslogStored = await sealed(start.syslog, end);
    expect(syslogStored.map((e) => e.seq)).toEqual(range(start.syslog, end));
    const syslogEvents = syslog.messages.map((m) => JSON.parse(m.msg));
    expect(syslog.messages.map((m) => m.params["seq"])).toEqual(syslogStored.map((e) => e.seq));
    expect(syslogEvents.map((e) => e.seq)).toEqual(syslogStored.map((e) => e.seq));
    expect(syslogEvents.map((e) => e.id)).toEqual(syslogStored.map((e) => e.id));
    expect(hookEvents.filter((e) => e.code === "user.created")).toHaveLength(50);

    for (const name of ["down-hook", "down-syslog"]) {
      const sink = await sinkNamed(name);
      expect(sink.lastError).toBeNull();
      expect(sink.lastErrorAt).toBeNull();
    }
  }, 60_000);

  it("(d) delivers over TLS to a server whose CA it was given, and refuses an unknown certificate", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "airlock-syslog-tls-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await execFile("openssl", [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-days", "2", "-subj", "/CN=airlock-syslog-test"],
      ...["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
      ...["-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")],
    ]);
    const cert = await readFile(path.join(dir, "cert.pem"), "utf8");
    const key = await readFile(path.join(dir, "key.pem"), "utf8");
    const receiver = new SyslogReceiver({ key, cert });
    await receiver.start();
    cleanups.push(() => receiver.stop());

    const trusted = await createSink({
      name: "syslog-tls",
      kind: "syslog",
      host: "127.0.0.1",
      port: receiver.port,
      caPem: cert,
      format: "ocsf",
      start: "now",
    });
    expect(trusted.sink.syslog).toEqual({
      host: "127.0.0.1",
      port: receiver.port,
      transport: "tls",
      ca: "custom",
    });
    const start = BigInt(trusted.sink.cursor);
    await createUsers("tls-user", 3);
    const head = await caughtUp("syslog-tls");
    const stored = await sealed(start, head);
    expect(receiver.messages.map((m) => m.params["seq"])).toEqual(stored.map((e) => e.seq));
    expect(receiver.messages.map((m) => JSON.parse(m.msg).metadata.uid)).toEqual(
      stored.map((e) => e.seq),
    );

    // The system's roots do not know this certificate: nothing is delivered, the error says why.
    const untrusted = await createSink({
      name: "syslog-tls-untrusted",
      kind: "syslog",
      host: "127.0.0.1",
      port: receiver.port,
      start: "now",
    });
    expect(untrusted.sink.syslog.ca).toBe("system");
    const count = receiver.messages.length;
    await createUsers("tls-untrusted", 1);
    const failing = await waitUntil("the untrusted TLS sink to fail", async () => {
      const sink = await sinkNamed("syslog-tls-untrusted");
      return sink.lastError !== null ? sink : undefined;
    });
    expect(failing.lastError).toMatch(
      /^syslog: TLS error \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)$/,
    );
    expect(failing.cursor).toBe(untrusted.sink.cursor);
    await caughtUp("syslog-tls");
    // Only the trusted sink's messages arrived (the new event, once).
    const fresh = receiver.messages.slice(count);
    expect(new Set(fresh.map((m) => m.params["seq"])).size).toBe(fresh.length);
    const test = await cp.api().post("/api/v1/audit/sinks/syslog-tls-untrusted/test");
    expect(test.status, test.text).toBe(200);
    expect(test.body).toMatchObject({ sink: "syslog-tls-untrusted", ok: false });
    expect(test.body.error).toMatch(/TLS error/);
    expect((await cp.api().delete("/api/v1/audit/sinks/syslog-tls-untrusted")).status).toBe(204);
  });

  it("sends a test message without moving the cursor", async () => {
    const receiver = new WebhookReceiver();
    await receiver.start();
    cleanups.push(() => receiver.stop());
    const created = await createSink({
      name: "test-hook",
      kind: "webhook",
      url: receiver.url,
      format: "jsonl",
      start: "now",
      enabled: false,
    });
    const res = await cp.api().post("/api/v1/audit/sinks/test-hook/test");
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ sink: "test-hook", ok: true, error: null });
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request!.headers["x-airlock-event"]).toBe("audit.sink_test");
    expect(signatureValid(created.secret, request!)).toBe(true);
    expect(request!.json).toMatchObject({
      sink: "test-hook",
      test: true,
      next_cursor: created.sink.cursor,
      events: [{ seq: "0", code: "audit.sink_test", actor_name: "admin" }],
    });
    // Disabled: nothing else is delivered, and the cursor does not move.
    await createUsers("disabled", 1);
    await settledHead();
    await new Promise((r) => setTimeout(r, 1500));
    const sink = await sinkNamed("test-hook");
    expect(sink.enabled).toBe(false);
    expect(sink.cursor).toBe(created.sink.cursor);
    expect(sink.lag).toBeGreaterThan(0);
    expect(receiver.requests).toHaveLength(1);

    await receiver.stop();
    const down = await cp.api().post("/api/v1/audit/sinks/test-hook/test");
    expect(down.body).toEqual({
      sink: "test-hook",
      ok: false,
      error: "webhook: network error (ECONNREFUSED)",
    });
  });

  it("deletes a sink with its cursor, and audits creating and deleting without the secret", async () => {
    const { rows: before } = await sql.query("SELECT sink FROM audit_sink_cursors");
    const sink = await sinkNamed("test-hook");
    expect(before.map((r) => r.sink)).toContain(sink.id);
    expect((await cp.api().delete("/api/v1/audit/sinks/test-hook")).status).toBe(204);
    expect((await cp.api().delete("/api/v1/audit/sinks/test-hook")).status).toBe(404);
    const { rows: after } = await sql.query("SELECT sink FROM audit_sink_cursors");
    expect(after.map((r) => r.sink)).not.toContain(sink.id);
    expect((await listSinks()).items.map((s) => s.name)).not.toContain("test-hook");

    const { rows } = await sql.query<{ code: string; actor_name: string; data: any }>(
      `SELECT code, actor_name, data FROM audit_events
        WHERE code IN ('audit.sink_created', 'audit.sink_deleted') AND data->>'name' = 'test-hook'
        ORDER BY id`,
    );
    expect(rows.map((r) => r.code)).toEqual(["audit.sink_created", "audit.sink_deleted"]);
    expect(rows[0]).toMatchObject({
      actor_name: "admin",
      data: { kind: "webhook", format: "jsonl", enabled: false, start: "now" },
    });
    expect(rows[0]!.data.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    // No secret anywhere it could leak: responses, the store, the audit trail, the logs.
    const { rows: stored } = await sql.query(
      "SELECT s.*, encode(secret_ciphertext, 'escape') AS raw FROM audit_sinks s",
    );
    const { rows: events } = await sql.query("SELECT data FROM audit_events");
    const texts = [
      JSON.stringify(stored),
      JSON.stringify(events),
      (await cp.api().get("/api/v1/audit/sinks")).text,
      cp.proc.output,
    ];
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    for (const secret of secrets) for (const text of texts) expect(text).not.toContain(secret);
  });

  it("(e) validates input and names the field", async () => {
    const api = cp.api();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: "x", url: "https://example.com/" }, "kind"],
      [{ name: "x", kind: "kafka" }, "kind"],
      [{ name: "x", kind: "webhook" }, "url"],
      [{ name: "x", kind: "webhook", url: "ftp://example.com/" }, "url"],
      [{ name: "x", kind: "webhook", url: "https://u:p@example.com/" }, "url"],
      [{ name: "X Y", kind: "webhook", url: "https://example.com/" }, "name"],
      [{ name: "x", kind: "webhook", url: "https://example.com/", format: "xml" }, "format"],
      [{ name: "x", kind: "webhook", url: "https://example.com/", start: "later" }, "start"],
      [{ name: "x", kind: "webhook", url: "https://example.com/", secret: "short" }, "secret"],
      [{ name: "x", kind: "webhook", url: "https://example.com/", host: "h" }, "host"],
      [{ name: "x", kind: "syslog", port: 6514 }, "host"],
      [{ name: "x", kind: "syslog", host: "siem.internal" }, "port"],
      [{ name: "x", kind: "syslog", host: "siem.internal", port: 70000 }, "port"],
      [{ name: "x", kind: "syslog", host: "tcp://siem", port: 6514 }, "host"],
      [{ name: "x", kind: "syslog", host: "siem", port: 6514, transport: "udp" }, "transport"],
      [{ name: "x", kind: "syslog", host: "siem", port: 6514, caPem: "not a pem" }, "caPem"],
      [
        {
          name: "x",
          kind: "syslog",
          host: "siem",
          port: 6514,
          transport: "tcp",
          caPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        },
        "caPem",
      ],
      [{ name: "x", kind: "syslog", host: "siem", port: 6514, url: "https://e.com/" }, "url"],
    ];
    for (const [body, field] of cases) {
      const res = await api.post("/api/v1/audit/sinks", body);
      expect(res.status, `${JSON.stringify(body)} → ${res.text}`).toBe(400);
      expect(res.body.error.code).toBe("invalid_input");
      expect(res.body.error.field, JSON.stringify(body)).toBe(field);
      expect(res.body.error.message).toContain(`body.${field}`);
    }
    expect(
      (
        await api.post("/api/v1/audit/sinks", {
          name: "x",
          kind: "webhook",
          secret: "short-secret",
        })
      ).text,
    ).not.toContain("short-secret");

    const duplicate = await api.post("/api/v1/audit/sinks", {
      name: "siem-hook",
      kind: "webhook",
      url: "https://example.com/",
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.message).toMatch(/"siem-hook" already exists/);

    for (const res of [
      await api.delete("/api/v1/audit/sinks/no-such-sink"),
      await api.post("/api/v1/audit/sinks/no-such-sink/test"),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.message).toMatch(/no audit sink named "no-such-sink"/);
    }
  });

  it("(e) refuses a user's key with 403", async () => {
    const user = await cp.api().post("/api/v1/users", { name: "sink-walter", role: "user" });
    expect(user.status, user.text).toBe(201);
    const key = await cp
      .api()
      .post("/api/v1/api-keys", { name: "walter-key", user: "sink-walter" });
    expect(key.status, key.text).toBe(201);
    const auditor = await cp.api().post("/api/v1/users", { name: "sink-auditor", role: "auditor" });
    expect(auditor.status, auditor.text).toBe(201);
    const auditorKey = await cp.api().post("/api/v1/api-keys", {
      name: "auditor-key",
      user: "sink-auditor",
    });
    for (const caller of [cp.api(key.body.key as string), cp.api(auditorKey.body.key as string)]) {
      for (const res of [
        await caller.get("/api/v1/audit/sinks"),
        await caller.post("/api/v1/audit/sinks", {
          name: "mine",
          kind: "webhook",
          url: "https://example.com/",
        }),
        await caller.post("/api/v1/audit/sinks/siem-hook/test"),
        await caller.delete("/api/v1/audit/sinks/siem-hook"),
      ]) {
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe("permission_denied");
      }
    }
    expect((await listSinks()).items.map((s) => s.name)).toContain("siem-hook");
  });
});

describe("airlock admin audit-sinks", () => {
  let cli: Cli;
  const receiver = new WebhookReceiver();
  const syslog = new SyslogReceiver();

  beforeAll(async () => {
    await receiver.start();
    await syslog.start();
    cleanups.push(
      () => receiver.stop(),
      () => syslog.stop(),
    );
    cli = new Cli();
    const login = cli.run(["login", "--api-key", "-", "--url", cp.httpUrl], cp.options.adminKey);
    expect(login.status, login.stderr).toBe(0);
  });

  /**
   * Runs the CLI without blocking this process: the receivers answer meanwhile, and the
   * API client's kept-alive connections are not left to go stale.
   */
  async function run(args: string[]): Promise<CliResult> {
    const proc = cli.spawn(args);
    let stdout = "";
    let stderr = "";
    proc.child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    proc.child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const exit = await proc.exited;
    return { status: exit.code, stdout, stderr };
  }

  it("creates a webhook sink and prints its secret once", async () => {
    const res = await run([
      "admin",
      "audit-sinks",
      "create",
      "cli-hook",
      "--url",
      receiver.url,
      "--format",
      "jsonl",
      "--start",
      "now",
    ]);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Created audit sink "cli-hook"/);
    expect(res.stdout).toMatch(/^Destination:\s+http:\/\/127\.0\.0\.1:\d+\/audit$/m);
    const secret = /shown once[^\n]*\n\s+([A-Za-z0-9_-]{43})\n/.exec(res.stdout)?.[1];
    expect(secret).toBeDefined();
    secrets.push(secret!);
    expect(res.stdout).toMatch(/X-Airlock-Signature/);
  });

  it("creates a syslog sink from host:port", async () => {
    const res = await run([
      "admin",
      "audit-sinks",
      "create",
      "cli-syslog",
      "--syslog",
      `127.0.0.1:${syslog.port}`,
      "--transport",
      "tcp",
      "--start",
      "now",
      "-o",
      "json",
    ]);
    expect(res.status, res.stderr).toBe(0);
    const created = JSON.parse(res.stdout);
    expect(created.sink).toMatchObject({
      name: "cli-syslog",
      kind: "syslog",
      format: "cef",
      syslog: { host: "127.0.0.1", port: syslog.port, transport: "tcp" },
    });
    expect(created.secret).toBeUndefined();

    const bad = await run(["admin", "audit-sinks", "create", "x", "--syslog", "nohost"]);
    expect(bad.status).toBe(2);
    const both = await run([
      "admin",
      "audit-sinks",
      "create",
      "x",
      "--syslog",
      "h:1",
      "--url",
      "https://e.com/",
    ]);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/exactly one of --url/);
  });

  it("lists sinks with cursor, lag and last error", async () => {
    await createUsers("cli-user", 2);
    await caughtUp("cli-hook");
    await caughtUp("cli-syslog");
    const list = await run(["admin", "audit-sinks", "list"]);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(
      /^NAME\s+KIND\s+FORMAT\s+DESTINATION\s+ENABLED\s+CURSOR\s+LAG\s+DELIVERED\s+LAST ERROR$/m,
    );
    expect(list.stdout).toMatch(
      /^cli-hook\s+webhook\s+jsonl\s+http:\/\/127\.0\.0\.1:\d+\/audit\s+yes\s+\d+\s+0\s/m,
    );
    expect(list.stdout).toMatch(
      new RegExp(
        `^cli-syslog\\s+syslog\\s+cef\\s+syslog\\+tcp://127\\.0\\.0\\.1:${syslog.port}\\s+yes\\s+\\d+\\s+0\\s`,
        "m",
      ),
    );
    expect(list.stdout).toMatch(/^Chain head: seq \d+$/m);
    for (const secret of secrets) expect(list.stdout).not.toContain(secret);
  });

  it("sends a test message, and exits 1 when the sink refuses it", async () => {
    const ok = await run(["admin", "audit-sinks", "test", "cli-syslog"]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/Audit sink "cli-syslog" accepted the test message/);
    expect(
      syslog.messages.some((m) => m.params["seq"] === "0" && m.msgId === "audit.sink_test"),
    ).toBe(true);

    await syslog.stop();
    const refused = await run(["admin", "audit-sinks", "test", "cli-syslog"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /did not accept the test message: syslog: network error \(ECONNREFUSED\)/,
    );
    await syslog.start();
  });

  it("deletes a sink, and reports an unknown one readably", async () => {
    const del = await run(["admin", "audit-sinks", "delete", "cli-syslog"]);
    expect(del.status, del.stderr).toBe(0);
    expect(del.stdout).toMatch(/Deleted audit sink "cli-syslog"/);
    const again = await run(["admin", "audit-sinks", "delete", "cli-syslog"]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/no audit sink named "cli-syslog"/);
    expect(again.stderr).not.toMatch(/\n\s+at /);
  });
});
