import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import { status as Status } from "@grpc/grpc-js";
import { CloseCode } from "@airlock/proto";
import { afterEach, describe, expect, it } from "vitest";
import { parseLocalPort, sessionEndLine } from "../src/commands/connect";
import { CliError } from "../src/errors";
import { describeCallFailure, summarize } from "../src/gateway/call-failure";
import { LocalGateway } from "../src/gateway/local-gateway";
import { conninfoValue, psqlCommand, shellQuote } from "../src/output/psql-command";

describe("the psql command line", () => {
  it("is the one `airlock connect` prints for a plain name", () => {
    expect(psqlCommand({ host: "127.0.0.1", port: 5433, user: "alice", dbname: "demo" })).toBe(
      'psql "host=127.0.0.1 port=5433 user=alice dbname=demo sslmode=disable"',
    );
  });

  it("carries the port in a form tests and people can find (port=N)", () => {
    const line = psqlCommand({ host: "127.0.0.1", port: 40123, user: "a", dbname: "b" });
    expect(/port=(\d+)/.exec(line)?.[1]).toBe("40123");
  });

  it("quotes libpq values with spaces, quotes or backslashes", () => {
    expect(conninfoValue("plain")).toBe("plain");
    expect(conninfoValue("Jane Doe")).toBe("'Jane Doe'");
    expect(conninfoValue("o'brien")).toBe("'o\\'brien'");
    expect(conninfoValue("back\\slash")).toBe("'back\\\\slash'");
    expect(conninfoValue("")).toBe("''");
    expect(psqlCommand({ host: "::1", port: 5433, user: "Jane Doe", dbname: "pg-prod" })).toBe(
      `psql "host=::1 port=5433 user='Jane Doe' dbname=pg-prod sslmode=disable"`,
    );
  });

  it("switches to single shell quotes when the line holds characters special inside double quotes", () => {
    expect(shellQuote("user=a$b")).toBe("'user=a$b'");
    expect(shellQuote("it's")).toBe('"it\'s"');
    expect(shellQuote('say "x" and it\'s $5')).toBe(`'say "x" and it'\\''s $5'`);
    const line = psqlCommand({ host: "127.0.0.1", port: 1, user: "$(rm -rf ~)", dbname: "d" });
    expect(line).toBe(
      `psql 'host=127.0.0.1 port=1 user='\\''$(rm -rf ~)'\\'' dbname=d sslmode=disable'`,
    );
    // What the shell hands psql: the conninfo with the libpq-quoted value, nothing expanded.
    const argument = execFileSync("sh", ["-c", `printf %s ${line.slice("psql ".length)}`], {
      encoding: "utf8",
    });
    expect(argument).toBe("host=127.0.0.1 port=1 user='$(rm -rf ~)' dbname=d sslmode=disable");
  });
});

describe("--port", () => {
  it("accepts 0 (any free port) to 65535 and refuses the rest", () => {
    expect(parseLocalPort("0")).toBe(0);
    expect(parseLocalPort("5433")).toBe(5433);
    for (const bad of ["65536", "-1", "54x", "", "1.5"]) {
      expect(() => parseLocalPort(bad)).toThrow(/integer from 0 to 65535/);
    }
  });
});

describe("session log lines", () => {
  const base = { sessionId: undefined, failure: undefined, closeCode: undefined, reason: "" };

  it("names the session and the reason it closed", () => {
    expect(sessionEndLine({ ...base, sessionId: "s-1", reason: "client quit" })).toBe(
      "session s-1 closed: client quit",
    );
  });

  it("prints a gRPC failure of a connection that never became a session", () => {
    expect(sessionEndLine({ ...base, failure: "cannot reach the control plane at x:1 (E)" })).toBe(
      "error: cannot reach the control plane at x:1 (E)",
    );
  });

  it("prints a refusal by close frame, and nothing for a quiet end (a cancel request)", () => {
    expect(
      sessionEndLine({
        ...base,
        closeCode: CloseCode.CLOSE_CODE_NOT_FOUND,
        reason: 'no connection "x"',
      }),
    ).toBe('error: the control plane refused the connection: no connection "x"');
    expect(sessionEndLine({ ...base, reason: "ended by the control plane" })).toBeUndefined();
    expect(
      sessionEndLine({ ...base, closeCode: CloseCode.CLOSE_CODE_NORMAL, reason: "done" }),
    ).toBeUndefined();
  });
});

describe("gRPC failures, for people", () => {
  const plain = { address: "127.0.0.1:8090", insecure: true, apiKeyFromEnv: false };
  const tls = { address: "airlock.example:8090", insecure: false, apiKeyFromEnv: true };

  it("says the control plane cannot be reached, with the errno and where to fix the address", () => {
    const line = describeCallFailure(
      {
        code: Status.UNAVAILABLE,
        details:
          "No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:8090. Resolution note: ",
      },
      plain,
    );
    expect(line).toBe(
      "cannot reach the control plane at 127.0.0.1:8090 over plaintext gRPC (ECONNREFUSED); " +
        "is it running? Check the address (airlock login --grpc-address, or AIRLOCK_GRPC_ADDRESS)",
    );
    expect(
      describeCallFailure({ code: Status.UNAVAILABLE, details: "Connection dropped" }, tls),
    ).toMatch(/over gRPC over TLS \(Connection dropped\).*--grpc-insecure/);
  });

  it("names a TLS problem by OpenSSL's reason", () => {
    const details =
      "No connection established. Last error: Error: 80:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl3_record.c:350:\n. Resolution note: ";
    expect(summarize(details)).toBe("wrong version number");
    expect(describeCallFailure({ code: Status.UNAVAILABLE, details }, tls)).toMatch(
      /^cannot set up TLS with the control plane at airlock.example:8090 \(wrong version number\); .*--grpc-insecure.*AIRLOCK_GRPC_CA_FILE/,
    );
  });

  it("passes on the control plane's own UNAVAILABLE reason (e.g. an offline connector)", () => {
    expect(
      describeCallFailure(
        { code: Status.UNAVAILABLE, details: 'connector "edge-1" is offline' },
        plain,
      ),
    ).toBe('the control plane could not open the session: connector "edge-1" is offline');
  });

  it("says the API key was refused, and how to fix it for a profile or AIRLOCK_API_KEY", () => {
    expect(
      describeCallFailure({ code: Status.UNAUTHENTICATED, details: "API key revoked" }, plain),
    ).toBe(
      "your API key was refused by the control plane: API key revoked; log in again: airlock login --api-key -",
    );
    expect(
      describeCallFailure({ code: Status.UNAUTHENTICATED, details: "API key revoked" }, tls),
    ).toMatch(/check AIRLOCK_API_KEY/);
  });

  it("covers permission, not found, unimplemented and anything else", () => {
    expect(describeCallFailure({ code: Status.PERMISSION_DENIED, details: "no" }, plain)).toBe(
      "permission denied: no",
    );
    expect(describeCallFailure({ code: Status.NOT_FOUND, details: "no connection" }, plain)).toBe(
      "no connection",
    );
    expect(describeCallFailure({ code: Status.UNIMPLEMENTED, details: "" }, plain)).toMatch(
      /does not accept client sessions \(UNIMPLEMENTED\)/,
    );
    expect(describeCallFailure({ code: Status.INTERNAL, details: "boom" }, plain)).toBe(
      "the session failed: boom (INTERNAL)",
    );
  });
});

describe("the local listener", () => {
  let blocker: Server | undefined;
  let gateway: LocalGateway | undefined;
  afterEach(async () => {
    await gateway?.stop();
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
    blocker = gateway = undefined;
  });

  const options = {
    grpc: {
      address: "127.0.0.1:1",
      insecure: true,
      caFile: undefined,
      addressFrom: "default" as const,
    },
    bearer: () => Promise.resolve("k"),
    apiKeyFromEnv: false,
    userAgent: "airlock-cli/test",
    spec: { connection: "demo", protocol: "postgres", clientVersion: "0.0.0" },
  };

  it("names a port in use and suggests --port", async () => {
    const server = createServer();
    blocker = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    gateway = new LocalGateway(options);
    const failure = await gateway.start("127.0.0.1", address.port).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as Error).message).toBe(
      `port ${address.port} on 127.0.0.1 is already in use (another airlock connect, or a local Postgres?); ` +
        `pick another with --port, e.g. --port ${address.port + 1}`,
    );
  });

  it("binds a free port for 0, and stops twice without complaint", async () => {
    gateway = new LocalGateway(options);
    const port = await gateway.start("127.0.0.1", 0);
    expect(port).toBeGreaterThan(0);
    await gateway.stop();
    await gateway.stop();
    expect(gateway.liveSessions).toBe(0);
  });

  it("reports an unreachable control plane per connection and closes the local socket", async () => {
    const ended: string[] = [];
    let onEnd!: () => void;
    const done = new Promise<void>((resolve) => (onEnd = resolve));
    gateway = new LocalGateway({
      ...options,
      onEnded: (end) => {
        ended.push(end.failure ?? end.reason);
        onEnd();
      },
    });
    const port = await gateway.start("127.0.0.1", 0);
    const { connect } = await import("node:net");
    const socket = connect(port, "127.0.0.1");
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.on("error", () => undefined);
    await Promise.all([done, closed]);
    expect(ended).toEqual([
      expect.stringMatching(
        /^cannot reach the control plane at 127\.0\.0\.1:1 over plaintext gRPC/,
      ),
    ]);
  });
});
