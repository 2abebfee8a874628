// The connector's Postgres engine against real Postgres servers: a private
// cluster (password logins, TLS with our own CA) and the shared one on
// 127.0.0.1:5432 (trust, TLS off). PostgresEngine.open() is called directly.
// The root package does not depend on the workspace packages, so their
// sources are imported by path.

import { createServer, type Server } from "node:net";
import {
  BackendParser,
  encodeQuery,
  encodeTerminate,
  type BackendMessage,
  type DataRow,
  type ErrorResponse,
} from "../../packages/pg-wire/src";
import { CloseCode, type TargetSpec } from "../../packages/proto/src";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Secret, type ResolvedCredential } from "../../apps/connector/src/credentials";
import type {
  OpenTargetRequest,
  OutputItem,
  TargetConnection,
} from "../../apps/connector/src/engines/engine";
import { PostgresEngine } from "../../apps/connector/src/engines/postgres";
import { SessionError } from "../../apps/connector/src/engines/session-error";
import { createLogger } from "../../apps/connector/src/logger";
import { startPrivatePostgres, type PrivatePostgres } from "../support/private-postgres";

const log = createLogger("silent");
const engine = new PostgresEngine();

let pg: PrivatePostgres;
beforeAll(async () => {
  pg = await startPrivatePostgres();
});
afterAll(async () => {
  await pg?.stop();
});

interface Open {
  readonly user: string;
  readonly password?: string;
  readonly options?: Record<string, string>;
  readonly startupParameters?: Record<string, string>;
  readonly host?: string;
  readonly port?: number;
  readonly database?: string;
  readonly signal?: AbortSignal;
}

function request(open: Open): OpenTargetRequest {
  const spec: TargetSpec = {
    engine: "postgres",
    host: open.host ?? pg.host,
    port: open.port ?? pg.port,
    database: open.database ?? pg.database,
    username: open.user,
    credential: undefined,
    options: open.options ?? {},
  };
  const credential: ResolvedCredential =
    open.password === undefined
      ? { kind: "none" }
      : { kind: "password", password: new Secret(open.password) };
  return {
    sessionId: "test-session",
    spec,
    credential,
    startupParameters: open.startupParameters ?? {},
    signal: open.signal ?? new AbortController().signal,
    log,
  };
}

/** Plays the client: reads the engine's output and parses it. */
class Client {
  private readonly chunks: AsyncIterator<OutputItem>;
  private readonly parser = new BackendParser();
  private readonly queue: BackendMessage[] = [];

  constructor(readonly conn: TargetConnection) {
    this.chunks = conn.output[Symbol.asyncIterator]();
  }

  /** Messages up to and including the next ReadyForQuery. */
  async untilReady(): Promise<BackendMessage[]> {
    const seen: BackendMessage[] = [];
    for (;;) {
      const msg = await this.message();
      seen.push(msg);
      if (msg.type === "readyForQuery") return seen;
    }
  }

  async query(sql: string): Promise<BackendMessage[]> {
    await this.conn.write(encodeQuery(sql));
    return this.untilReady();
  }

  /** The first column of the first row of a one-row query, as text. */
  async value(sql: string): Promise<string | null> {
    const messages = await this.query(sql);
    const error = messages.find((m): m is ErrorResponse => m.type === "errorResponse");
    if (error) throw new Error(`${sql}: ${error.fields.message}`);
    const row = messages.find((m): m is DataRow => m.type === "dataRow");
    const cell = row?.values?.[0];
    return cell === undefined || cell === null ? null : cell.toString("utf8");
  }

  async message(): Promise<BackendMessage> {
    for (;;) {
      const next = this.queue.shift();
      if (next) return next;
      const read = await this.chunks.next();
      if (read.done) throw new Error("the target closed the connection");
      // Without mask rules the output is only bytes.
      if (Buffer.isBuffer(read.value)) this.parser.parse(read.value, (msg) => this.queue.push(msg));
    }
  }

  async close(): Promise<void> {
    await this.conn.write(encodeTerminate()).catch(() => undefined);
    this.conn.close();
  }
}

async function connect(open: Open): Promise<Client> {
  const client = new Client(await engine.open(request(open)));
  const startup = await client.untilReady();
  expect(startup[0]?.type).toBe("authenticationOk");
  return client;
}

async function refusal(open: Open, eng: PostgresEngine = engine): Promise<SessionError> {
  const err = await eng.open(request(open)).then(
    (conn) => {
      conn.close();
      throw new Error("the engine opened a connection that should have been refused");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SessionError);
  return err as SessionError;
}

async function encrypted(client: Client): Promise<boolean> {
  return (await client.value("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) === "t";
}

describe("PostgresEngine logins", () => {
  it("logs in with SCRAM-SHA-256 and relays AuthenticationOk … ReadyForQuery, then queries", async () => {
    const conn = await engine.open(
      request({ user: pg.users.scram.user, password: pg.users.scram.password }),
    );
    const client = new Client(conn);
    const startup = await client.untilReady();
    const types = startup.map((m) => m.type);
    expect(types[0]).toBe("authenticationOk");
    expect(types).toContain("parameterStatus");
    expect(types).toContain("backendKeyData");
    expect(types.at(-1)).toBe("readyForQuery");
    expect(types.filter((t) => t.startsWith("authenticationSASL"))).toEqual([]);
    expect(conn.remoteAddress).toBe(`127.0.0.1:${pg.port}`);
    expect(await client.value("SELECT current_user")).toBe("scram_user");
    await client.close();
  });

  it("refuses a wrong SCRAM password with the server's message and SQLSTATE, never the password", async () => {
    const wrong = "definitely-not-the-password";
    const err = await refusal({ user: pg.users.scram.user, password: wrong });
    expect(err.code).toBe(CloseCode.CLOSE_CODE_UNAUTHENTICATED);
    expect(err.message).toBe(
      'the target refused the login: password authentication failed for user "scram_user" (28P01)',
    );
    expect(err.message).not.toContain(wrong);
  });

  it("logs in with md5", async () => {
    const client = await connect({ user: pg.users.md5.user, password: pg.users.md5.password });
    expect(await client.value("SELECT current_user")).toBe("md5_user");
    await client.close();
    const err = await refusal({ user: pg.users.md5.user, password: "wrong" });
    expect(err.message).toMatch(/password authentication failed for user "md5_user" \(28P01\)/);
  });

  it("logs in with a cleartext password", async () => {
    const client = await connect({ user: pg.users.plain.user, password: pg.users.plain.password });
    expect(await client.value("SELECT current_user")).toBe("plain_user");
    await client.close();
  });

  it("logs in with trust, no credential needed", async () => {
    const client = await connect({ user: pg.users.trust.user });
    expect(await client.value("SELECT current_user")).toBe("trust_user");
    await client.close();
  });

  it("says so when the target wants a password and the connection has none", async () => {
    const err = await refusal({ user: pg.users.scram.user });
    expect(err.code).toBe(CloseCode.CLOSE_CODE_INVALID_INPUT);
    expect(err.message).toMatch(/asks for a password \(SCRAM-SHA-256\) .* has no credential/);
  });

  it("passes the client's startup parameters, but never its user or database", async () => {
    const client = await connect({
      user: pg.users.trust.user,
      startupParameters: {
        application_name: "airlock-engine-test",
        DateStyle: "German, DMY",
        user: "postgres",
        database: "postgres",
        replication: "database",
      },
    });
    expect(await client.value("SHOW application_name")).toBe("airlock-engine-test");
    expect(await client.value("SHOW DateStyle")).toBe("German, DMY");
    expect(await client.value("SELECT current_user")).toBe("trust_user");
    expect(await client.value("SELECT current_database()")).toBe(pg.database);
    await client.close();
  });

  it("refuses a connection that names no database", async () => {
    const err = await refusal({ user: pg.users.trust.user, database: "" });
    expect(err.code).toBe(CloseCode.CLOSE_CODE_INVALID_INPUT);
    expect(err.message).toMatch(/names no database/);
  });

  it("relays the server's FATAL after AuthenticationOk (a database that does not exist)", async () => {
    const client = new Client(
      await engine.open(request({ user: pg.users.trust.user, database: "no_such_db" })),
    );
    expect((await client.message()).type).toBe("authenticationOk");
    const error = await client.message();
    expect(error.type === "errorResponse" && error.fields.code).toBe("3D000");
    client.conn.close();
  });
});

describe("PostgresEngine TLS (sslmode)", () => {
  const sslOnly = (): Open => ({
    user: pg.users.sslOnly.user,
    password: pg.users.sslOnly.password,
  });

  it("prefer (the default) uses TLS when the server offers it", async () => {
    const client = await connect(sslOnly());
    expect(await encrypted(client)).toBe(true);
    await client.close();
  });

  it("disable sends no SSLRequest: a hostssl-only user is refused", async () => {
    const plain = await connect({ user: pg.users.trust.user, options: { sslmode: "disable" } });
    expect(await encrypted(plain)).toBe(false);
    await plain.close();
    const err = await refusal({ ...sslOnly(), options: { sslmode: "disable" } });
    expect(err.code).toBe(CloseCode.CLOSE_CODE_PERMISSION_DENIED);
    expect(err.message).toMatch(/no pg_hba.conf entry .*no encryption.* \(28000\)/);
  });

  it("require uses TLS without verifying the certificate", async () => {
    const client = await connect({ ...sslOnly(), options: { sslmode: "require" } });
    expect(await encrypted(client)).toBe(true);
    await client.close();
  });

  it("verify-full accepts the right CA and server name", async () => {
    const client = await connect({
      ...sslOnly(),
      options: { sslmode: "verify-full", sslrootcert: pg.caPem, sslservername: "localhost" },
    });
    expect(await encrypted(client)).toBe(true);
    await client.close();
    // With no sslservername the name checked is the host; "localhost" resolves here.
    const byName = await connect({
      ...sslOnly(),
      host: "localhost",
      options: { sslmode: "verify-full", sslrootcert: pg.caPem },
    });
    await byName.close();
  });

  it("verify-full refuses a certificate from another CA", async () => {
    const err = await refusal({
      ...sslOnly(),
      options: { sslmode: "verify-full", sslrootcert: pg.otherCaPem, sslservername: "localhost" },
    });
    expect(err.code).toBe(CloseCode.CLOSE_CODE_UNAVAILABLE);
    expect(err.message).toMatch(/not signed by the connection's sslrootcert/);
  });

  it("verify-full refuses a certificate for another name (the host by default)", async () => {
    const wrongName = await refusal({
      ...sslOnly(),
      options: { sslmode: "verify-full", sslrootcert: pg.caPem, sslservername: "db.example.com" },
    });
    expect(wrongName.message).toMatch(/not valid for the name "db.example.com"/);
    const byIp = await refusal({
      ...sslOnly(),
      options: { sslmode: "verify-full", sslrootcert: pg.caPem },
    });
    expect(byIp.message).toMatch(/not valid for the name "127.0.0.1"/);
  });

  it("verify-full without sslrootcert uses the system roots, which do not know our CA", async () => {
    const err = await refusal({
      ...sslOnly(),
      options: { sslmode: "verify-full", sslservername: "localhost" },
    });
    expect(err.message).toMatch(/not signed by a CA the connector host trusts/);
  });

  it("refuses an unknown sslmode and a sslrootcert that is not PEM", async () => {
    const mode = await refusal({ ...sslOnly(), options: { sslmode: "verify-ca" } });
    expect(mode.code).toBe(CloseCode.CLOSE_CODE_INVALID_INPUT);
    expect(mode.message).toMatch(
      /sslmode "verify-ca" is not one of disable, prefer, require, verify-full/,
    );
    const pem = await refusal({
      ...sslOnly(),
      options: { sslmode: "verify-full", sslrootcert: "not a certificate" },
    });
    expect(pem.message).toMatch(/sslrootcert is not a PEM certificate/);
  });

  describe("against the shared server (TLS off)", () => {
    const shared = { host: "127.0.0.1", port: 5432, user: "postgres", database: "postgres" };
    let sslOff = false;
    beforeAll(async () => {
      const probe = await connect({ ...shared, options: { sslmode: "disable" } });
      sslOff = (await probe.value("SHOW ssl")) === "off";
      await probe.close();
    });

    it("require is refused with a clear message", async (ctx) => {
      if (!sslOff) ctx.skip();
      const err = await refusal({ ...shared, options: { sslmode: "require" } });
      expect(err.code).toBe(CloseCode.CLOSE_CODE_UNAVAILABLE);
      expect(err.message).toMatch(
        /does not accept TLS connections, but the connection's sslmode is require/,
      );
    });

    it("prefer falls back to a plain connection", async (ctx) => {
      if (!sslOff) ctx.skip();
      const client = await connect({ ...shared, options: { sslmode: "prefer" } });
      expect(await client.value("SELECT 1")).toBe("1");
      await client.close();
    });
  });
});

describe("PostgresEngine sessions", () => {
  it("cancel() interrupts a running query (57014) within 2 s", async () => {
    const client = await connect({
      user: pg.users.scram.user,
      password: pg.users.scram.password,
      options: { sslmode: "require" },
    });
    await client.conn.write(encodeQuery("SELECT pg_sleep(30)"));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await client.conn.cancel?.();
    const messages = await client.untilReady();
    expect(Date.now() - started).toBeLessThan(2_000);
    const error = messages.find((m): m is ErrorResponse => m.type === "errorResponse");
    expect(error?.fields.code).toBe("57014");
    expect(await client.value("SELECT 'still usable'")).toBe("still usable");
    await client.close();
  });

  it("streams a large result with backpressure: the server waits while nobody reads", async () => {
    const client = await connect({
      user: pg.users.trust.user,
      startupParameters: { application_name: "airlock-backpressure" },
    });
    await client.conn.write(
      encodeQuery("SELECT g, repeat('x', 100) FROM generate_series(1, 200000) g"),
    );
    await client.message(); // RowDescription: the result is flowing
    // Nobody pulls now: the socket must stop reading and the server block on the write.
    let waitEvent = "";
    for (let i = 0; i < 50 && waitEvent !== "ClientWrite"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      waitEvent = await pg.psql(
        "SELECT wait_event FROM pg_stat_activity WHERE application_name = 'airlock-backpressure'",
      );
    }
    expect(waitEvent).toBe("ClientWrite");
    const rssBefore = process.memoryUsage().rss;
    let rows = 0;
    for (;;) {
      const msg = await client.message();
      if (msg.type === "dataRow") rows++;
      if (msg.type === "readyForQuery") break;
    }
    expect(rows).toBe(200_000);
    // 200k rows are ~25 MB on the wire; streaming must not have held them all at once.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
    await client.close();
  });

  it("close() is safe twice and ends the output", async () => {
    const client = await connect({ user: pg.users.trust.user });
    client.conn.close();
    client.conn.close();
    await expect(client.message()).rejects.toThrow();
  });
});

describe("PostgresEngine connection failures", () => {
  let silent: Server;
  let silentPort = 0;
  beforeAll(async () => {
    // Accepts TCP and never says a word: a hung target. It reads (and drops)
    // what it gets, so it sees the engine hang up, and close() below waits for that.
    silent = createServer((socket) => {
      socket.on("error", () => undefined);
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    silentPort = typeof address === "object" && address ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise((resolve) => silent.close(resolve));
  });

  it("names an unreachable target", async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, "127.0.0.1", () => {
        const address = probe.address();
        const port = typeof address === "object" && address ? address.port : 0;
        probe.close(() => resolve(port));
      });
    });
    const err = await refusal({ user: "x", port: closed });
    expect(err.code).toBe(CloseCode.CLOSE_CODE_UNAVAILABLE);
    expect(err.message).toMatch(
      /cannot reach target 127.0.0.1:\d+ from the connector \(ECONNREFUSED\)/,
    );
  });

  it("gives up on a target that never answers", async () => {
    const quick = new PostgresEngine({ connectTimeoutMs: 300, cancelTimeoutMs: 300 });
    const err = await refusal(
      { user: "x", port: silentPort, options: { sslmode: "disable" } },
      quick,
    );
    expect(err.message).toMatch(/did not finish the login within 300 ms/);
    const tls = await refusal({ user: "x", port: silentPort }, quick);
    expect(tls.message).toMatch(
      /did not accept a connection \(and finish the TLS handshake\) within 300 ms/,
    );
  });

  it("stops when the session is closed while connecting", async () => {
    const abort = new AbortController();
    const opening = engine.open(
      request({
        user: "x",
        port: silentPort,
        options: { sslmode: "disable" },
        signal: abort.signal,
      }),
    );
    const reason = new SessionError(CloseCode.CLOSE_CODE_NORMAL, "closed by the test");
    setTimeout(() => abort.abort(reason), 50);
    await expect(opening).rejects.toBe(reason);
  });
});
