// The Postgres engine against targets that lie: a fake server (the one true
// external here is "a compromised or impostor database") scripted with pg-wire.
// The engine must fail closed and never hand over the password.

import { createServer, type Server, type Socket } from "node:net";
import {
  FrontendParser,
  decodePasswordMessage,
  decodeSASLInitialResponse,
  encodeAuthenticationCleartextPassword,
  encodeAuthenticationOk,
  encodeAuthenticationSASL,
  encodeAuthenticationSASLContinue,
  encodeAuthenticationSASLFinal,
  encodeErrorResponse,
  encodeReadyForQuery,
  type FrontendMessage,
} from "../../packages/pg-wire/src";
import { CloseCode } from "../../packages/proto/src";
import { afterEach, describe, expect, it } from "vitest";
import { Secret } from "../../apps/connector/src/credentials";
import { PostgresEngine } from "../../apps/connector/src/engines/postgres";
import { SessionError } from "../../apps/connector/src/engines/session-error";
import { createLogger } from "../../apps/connector/src/logger";

const PASSWORD = "s3cret-Pa55word";

/** One accepted connection of the fake target, read as frontend messages. */
class FakeConnection {
  private readonly parser = new FrontendParser();
  private readonly queue: FrontendMessage[] = [];
  private waiting: (() => void) | undefined;

  constructor(readonly socket: Socket) {
    socket.on("error", () => undefined);
    socket.on("data", (chunk: Buffer) => {
      this.parser.parse(chunk, (msg) => this.queue.push(msg));
      this.waiting?.();
    });
  }

  async next(): Promise<FrontendMessage> {
    for (;;) {
      const msg = this.queue.shift();
      if (msg) return msg;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  send(...frames: Buffer[]): void {
    this.socket.write(Buffer.concat(frames));
  }
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function fakeTarget(script: (conn: FakeConnection) => Promise<void>): Promise<number> {
  server = createServer((socket) => {
    void script(new FakeConnection(socket)).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return typeof address === "object" && address ? address.port : 0;
}

async function openAgainst(port: number, sslmode = "disable"): Promise<SessionError> {
  const engine = new PostgresEngine({ connectTimeoutMs: 3_000, cancelTimeoutMs: 1_000 });
  const err = await engine
    .open({
      sessionId: "hostile",
      spec: {
        engine: "postgres",
        host: "127.0.0.1",
        port,
        database: "db",
        username: "alice",
        credential: undefined,
        options: { sslmode },
      },
      credential: { kind: "password", password: new Secret(PASSWORD) },
      startupParameters: {},
      signal: new AbortController().signal,
      log: createLogger("silent"),
    })
    .then(
      (conn) => {
        conn.close();
        throw new Error("the engine accepted a lying target");
      },
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(SessionError);
  expect((err as Error).message).not.toContain(PASSWORD);
  return err as SessionError;
}

/** Startup, SASL start, and the client's first message: returns the client nonce. */
async function scramStart(conn: FakeConnection): Promise<string> {
  expect((await conn.next()).type).toBe("startup");
  conn.send(encodeAuthenticationSASL(["SCRAM-SHA-256"]));
  const initial = await conn.next();
  if (initial.type !== "passwordLike") throw new Error("expected SASLInitialResponse");
  const { mechanism, data } = decodeSASLInitialResponse(initial.payload);
  expect(mechanism).toBe("SCRAM-SHA-256");
  const nonce = /^n,,n=,r=(.+)$/.exec(data?.toString("utf8") ?? "")?.[1];
  if (!nonce) throw new Error("no client nonce");
  return nonce;
}

async function scramToFinal(conn: FakeConnection): Promise<void> {
  const nonce = await scramStart(conn);
  const salt = Buffer.from("0123456789abcdef").toString("base64");
  conn.send(encodeAuthenticationSASLContinue(Buffer.from(`r=${nonce}fake,s=${salt},i=4096`)));
  await conn.next(); // the client's proof
}

describe("PostgresEngine against a lying target", () => {
  it("refuses a SCRAM server signature that does not match (the server does not know the password)", async () => {
    const port = await fakeTarget(async (conn) => {
      await scramToFinal(conn);
      const forged = Buffer.from(`v=${Buffer.alloc(32, 1).toString("base64")}`);
      conn.send(
        encodeAuthenticationSASLFinal(forged),
        encodeAuthenticationOk(),
        encodeReadyForQuery("I"),
      );
    });
    const err = await openAgainst(port);
    expect(err.code).toBe(CloseCode.CLOSE_CODE_UNAUTHENTICATED);
    expect(err.message).toMatch(/SCRAM signature is wrong/);
  });

  it("refuses AuthenticationOk in the middle of a SCRAM exchange (no server proof)", async () => {
    const port = await fakeTarget(async (conn) => {
      await scramToFinal(conn);
      conn.send(encodeAuthenticationOk(), encodeReadyForQuery("I"));
    });
    const err = await openAgainst(port);
    expect(err.message).toMatch(/without proving it knows the password/);
  });

  it("refuses a SCRAM nonce that is not an extension of ours", async () => {
    const port = await fakeTarget(async (conn) => {
      await scramStart(conn);
      conn.send(encodeAuthenticationSASLContinue(Buffer.from("r=mine,s=c2FsdA==,i=4096")));
      await conn.next();
    });
    const err = await openAgainst(port);
    expect(err.message).toMatch(/nonce does not extend ours/);
  });

  it("keeps the password out of an error that echoes it", async () => {
    const port = await fakeTarget(async (conn) => {
      await conn.next();
      conn.send(encodeAuthenticationCleartextPassword());
      const msg = await conn.next();
      const pw = msg.type === "passwordLike" ? decodePasswordMessage(msg.payload) : "";
      expect(pw).toBe(PASSWORD);
      conn.send(
        encodeErrorResponse({ severity: "FATAL", code: "28P01", message: `bad password "${pw}"` }),
      );
    });
    const err = await openAgainst(port);
    expect(err.code).toBe(CloseCode.CLOSE_CODE_UNAUTHENTICATED);
    expect(err.message).toBe('the target refused the login: bad password "[redacted]" (28P01)');
  });

  it("refuses bytes sent after the SSL answer, before the TLS handshake (CVE-2021-23222)", async () => {
    const port = await fakeTarget(async (conn) => {
      expect((await conn.next()).type).toBe("sslRequest");
      conn.send(Buffer.from("S"), encodeAuthenticationOk(), encodeReadyForQuery("I"));
    });
    const err = await openAgainst(port, "require");
    expect(err.code).toBe(CloseCode.CLOSE_CODE_UNAVAILABLE);
    expect(err.message).toMatch(/did not answer the SSL request as a Postgres server does/);
  });

  it("names an authentication method it does not support", async () => {
    const port = await fakeTarget(async (conn) => {
      await conn.next();
      // AuthenticationGSS: 'R', length 8, code 7.
      conn.send(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 7]));
    });
    const err = await openAgainst(port);
    expect(err.code).toBe(CloseCode.CLOSE_CODE_INVALID_INPUT);
    expect(err.message).toMatch(/asks for GSSAPI authentication, which Airlock does not support/);
  });
});
