import { describe, expect, it } from "vitest";
import { CommanderError } from "commander";
import { ReportedError, UsageError } from "../src/errors";
import { apiErrorFrom, unreachableFrom } from "../src/http/errors";
import { reportError } from "../src/report";

const request = { method: "GET", path: "/api/v1/connections/x" };
const body = (error: Record<string, string>) => JSON.stringify({ error });

function report(error: unknown, env: { debug?: boolean; apiKey?: string } = {}) {
  let err = "";
  const code = reportError(
    error,
    { err: (t) => void (err += t) },
    { debug: env.debug ?? false, apiKey: env.apiKey },
  );
  return { code, err };
}

describe("errors a command already printed", () => {
  it("only set the exit code", () => {
    expect(report(new ReportedError(1))).toEqual({ code: 1, err: "" });
  });
});

describe("API error bodies → one line", () => {
  it("shows the server's message with the request and status", () => {
    const error = apiErrorFrom(
      request,
      404,
      "Not Found",
      body({ code: "not_found", message: 'connection "x" not found' }),
    );
    expect(error).toMatchObject({ status: 404, code: "not_found" });
    expect(report(error)).toEqual({
      code: 1,
      err: 'error: connection "x" not found (GET /api/v1/connections/x → 404)\n',
    });
  });

  it("adds the field when the message does not already name it", () => {
    const post = { method: "POST", path: "/api/v1/connections" };
    expect(
      apiErrorFrom(
        post,
        400,
        "",
        body({ code: "invalid_input", message: "too long", field: "name" }),
      ).message,
    ).toBe("too long [field: name] (POST /api/v1/connections → 400)");
    expect(
      apiErrorFrom(
        post,
        400,
        "",
        body({ code: "invalid_input", message: "body.port: expected an integer", field: "port" }),
      ).message,
    ).toBe("body.port: expected an integer (POST /api/v1/connections → 400)");
  });

  it("copes with an answer that is not the contract's error body", () => {
    const error = apiErrorFrom(request, 502, "Bad Gateway", "<html>bad gateway</html>");
    expect(error).toMatchObject({ code: "http_error" });
    expect(error.message).toBe(
      "HTTP 502 Bad Gateway with no error details (GET /api/v1/connections/x → 502)",
    );
  });

  it("tells the user to log in again on 401, or to check AIRLOCK_API_KEY when that is in use", () => {
    const error = apiErrorFrom(
      request,
      401,
      "",
      body({ code: "unauthenticated", message: "API key revoked" }),
    );
    expect(report(error).err).toBe(
      "error: your API key was refused: API key revoked; log in again: airlock login --api-key -\n",
    );
    expect(report(error, { apiKey: "k" }).err).toBe(
      "error: your API key was refused: API key revoked; check AIRLOCK_API_KEY, which overrides the stored key\n",
    );
  });

  it("prefixes 403 with permission denied", () => {
    const error = apiErrorFrom(
      request,
      403,
      "",
      body({ code: "permission_denied", message: "admin role required" }),
    );
    expect(report(error).err).toBe(
      "error: permission denied: admin role required (GET /api/v1/connections/x → 403)\n",
    );
  });
});

describe("network failures", () => {
  const url = "http://127.0.0.1:8080";

  it("names the socket error code found in fetch's cause chain", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(
      unreachableFrom(new TypeError("fetch failed", { cause: refused }), url, 30_000).message,
    ).toBe(
      "cannot reach the control plane at http://127.0.0.1:8080 (ECONNREFUSED); is it running? start it with npm run demo",
    );
    const aggregate = new AggregateError([refused, refused], "");
    expect(
      unreachableFrom(new TypeError("fetch failed", { cause: aggregate }), url, 30_000).message,
    ).toContain("(ECONNREFUSED)");
  });

  it("points at the host name when it does not resolve", () => {
    const notFound = Object.assign(new Error("getaddrinfo ENOTFOUND x"), { code: "ENOTFOUND" });
    expect(
      unreachableFrom(new TypeError("fetch failed", { cause: notFound }), url, 1000).message,
    ).toBe(
      "cannot reach the control plane at http://127.0.0.1:8080 (ENOTFOUND); check the host name in the URL",
    );
  });

  it("says so for timeouts and TLS failures", () => {
    const timeout = new DOMException("The operation was aborted due to timeout", "TimeoutError");
    expect(unreachableFrom(timeout, url, 30_000).message).toBe(
      "the control plane at http://127.0.0.1:8080 did not answer within 30s; is it overloaded or behind a firewall?",
    );
    const tls = Object.assign(new Error("self-signed"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    expect(unreachableFrom(new TypeError("fetch failed", { cause: tls }), url, 1000).message).toBe(
      "cannot set up TLS with the control plane at http://127.0.0.1:8080 (DEPTH_ZERO_SELF_SIGNED_CERT); check the URL and the server's certificate",
    );
  });
});

describe("reportError", () => {
  it("maps commander's outcomes: help and version 0, usage errors 2", () => {
    expect(report(new CommanderError(0, "commander.helpDisplayed", "")).code).toBe(0);
    expect(report(new CommanderError(0, "commander.version", "")).code).toBe(0);
    expect(report(new CommanderError(1, "commander.help", "")).code).toBe(2);
    expect(report(new CommanderError(1, "commander.unknownOption", "")).code).toBe(2);
  });

  it("prints user mistakes without a stack, unless AIRLOCK_DEBUG is set", () => {
    expect(report(new UsageError("bad flags"))).toEqual({
      code: 2,
      err: "error: bad flags\n(add --help for usage)\n",
    });
    expect(report(new UsageError("bad flags"), { debug: true }).err).toContain("at ");
  });

  it("flags an unexpected exception as a bug and points at AIRLOCK_DEBUG", () => {
    expect(report(new RangeError("boom"))).toEqual({
      code: 1,
      err: "error: boom\n(this looks like a bug in the airlock CLI; set AIRLOCK_DEBUG=1 to see the stack trace)\n",
    });
  });

  it("escapes control characters in server messages", () => {
    const error = apiErrorFrom(
      request,
      409,
      "",
      body({ code: "conflict", message: "in use\u001b[31m" }),
    );
    expect(report(error).err).toContain("in use\\x1b[31m");
  });
});
