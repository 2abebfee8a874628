import { CloseCode, type TargetSpec } from "@airlock/proto";
import { describe, expect, it } from "vitest";
import { md5Response } from "../../src/engines/postgres/authenticate";
import { readTarget, startupParameters } from "../../src/engines/postgres/options";
import { SessionError } from "../../src/engines/session-error";

const spec = (over: Partial<TargetSpec> = {}): TargetSpec => ({
  engine: "postgres",
  host: "db.internal",
  port: 5432,
  database: "app",
  username: "svc",
  credential: undefined,
  options: {},
  ...over,
});

function refusal(fn: () => unknown): SessionError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SessionError);
    return err as SessionError;
  }
  throw new Error("expected a SessionError");
}

describe("postgres target settings", () => {
  it("defaults to sslmode prefer, with the host as the server name", () => {
    expect(readTarget(spec()).tls).toEqual({
      mode: "prefer",
      rootCert: undefined,
      serverName: "db.internal",
    });
    expect(readTarget(spec({ options: { sslmode: "", sslservername: "" } })).tls.mode).toBe(
      "prefer",
    );
    expect(readTarget(spec({ options: { sslservername: "pg.example.com" } })).tls.serverName).toBe(
      "pg.example.com",
    );
  });

  it.each([
    ["an unknown sslmode", spec({ options: { sslmode: "allow" } }), /sslmode "allow"/],
    ["a sslrootcert that is not PEM", spec({ options: { sslrootcert: "nope" } }), /sslrootcert/],
    ["no host", spec({ host: "" }), /no target host/],
    ["a port out of range", spec({ port: 70000 }), /port 70000/],
  ])("refuses %s as invalid input", (_name, bad, message) => {
    const err = refusal(() => readTarget(bad));
    expect(err.code).toBe(CloseCode.CLOSE_CODE_INVALID_INPUT);
    expect(err.message).toMatch(message);
  });
});

describe("postgres startup parameters", () => {
  it("sends the connection's user and database, then the client's parameters", () => {
    expect(
      startupParameters(spec(), {
        application_name: "psql",
        client_encoding: "UTF8",
        options: "-c statement_timeout=5s",
      }),
    ).toEqual({
      user: "svc",
      database: "app",
      application_name: "psql",
      client_encoding: "UTF8",
      options: "-c statement_timeout=5s",
    });
  });

  it("never passes the client's user, database, replication or protocol extensions", () => {
    expect(
      startupParameters(spec(), {
        user: "root",
        database: "postgres",
        replication: "true",
        "_pq_.compression": "on",
      }),
    ).toEqual({ user: "svc", database: "app" });
  });

  it("uses the client's database only when the connection names none", () => {
    expect(startupParameters(spec({ database: "" }), { database: "other" })["database"]).toBe(
      "other",
    );
    const err = refusal(() => startupParameters(spec({ database: "" }), {}));
    expect(err.message).toMatch(/the connection names no database/);
  });

  it("refuses a connection without a user", () => {
    expect(refusal(() => startupParameters(spec({ username: "" }), {})).message).toMatch(
      /names no user/,
    );
  });
});

describe("md5 password response", () => {
  it('is "md5" + md5hex(md5hex(password + user) + salt)', () => {
    // Computed independently (Python hashlib) for password "pencil", user "user", salt 01020304.
    expect(md5Response("pencil", "user", Buffer.from([1, 2, 3, 4]))).toBe(
      "md54376eb6913b38f9aaff38dc7cf19ca76",
    );
  });
});
