// The "postgres" engine: connects to the target (TLS per sslmode), logs in with
// the connection's user, database and credential plus the client's startup
// parameters, and from AuthenticationOk on relays every backend byte unchanged.
// The real BackendKeyData stays here, for cancel(); the control plane hands the
// client a key of its own.

import { ProtocolError } from "@airlock/pg-wire";
import { CloseCode } from "@airlock/proto";
import { StreamClosedError } from "../../streams";
import type { OpenTargetRequest, TargetEngine } from "../engine";
import { SessionError } from "../session-error";
import { authenticate } from "./authenticate";
import { BackendReader } from "./backend-reader";
import { sendCancelRequest } from "./cancel";
import { PostgresConnection } from "./connection";
import { readTarget, startupParameters, type PostgresTarget } from "./options";
import { abortError, openTransport, type Transport } from "./transport";

export interface PostgresEngineOptions {
  /** How long the TCP connect, TLS handshake and login may take together. */
  readonly connectTimeoutMs: number;
  /** How long one cancel connection may take. */
  readonly cancelTimeoutMs: number;
}

const DEFAULT_OPTIONS: PostgresEngineOptions = { connectTimeoutMs: 10_000, cancelTimeoutMs: 5_000 };

export class PostgresEngine implements TargetEngine {
  readonly name = "postgres";

  constructor(private readonly options: PostgresEngineOptions = DEFAULT_OPTIONS) {}

  async open(request: OpenTargetRequest): Promise<PostgresConnection> {
    const { spec, credential, log } = request;
    const target = readTarget(spec);
    const parameters = startupParameters(spec, request.startupParameters);
    const password = credential.kind === "password" ? credential.password : undefined;
    const deadline = new StartupDeadline(request.signal, this.options.connectTimeoutMs, target);
    let transport: Transport | undefined;
    try {
      transport = await openTransport(target, deadline.signal);
      deadline.phase = "login";
      const { socket } = transport;
      // A failure before anyone pulls must not crash the process; the iterator rethrows it.
      socket.on("error", () => undefined);
      const chunks = socket[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      const stop = (): void => {
        socket.destroy();
      };
      deadline.signal.addEventListener("abort", stop, { once: true });
      const reader = new BackendReader(chunks);
      const authenticationOk = await authenticate({
        socket,
        reader,
        parameters,
        password,
        encrypted: transport.encrypted,
        log,
      }).finally(() => deadline.signal.removeEventListener("abort", stop));
      log.debug({ encrypted: transport.encrypted }, "logged in to the target");
      const cancelTimeoutMs = this.options.cancelTimeoutMs;
      return new PostgresConnection(
        transport,
        chunks,
        reader,
        authenticationOk,
        (key) => sendCancelRequest(target, key, cancelTimeoutMs),
        log,
      );
    } catch (err) {
      transport?.socket.destroy();
      transport?.tcp.destroy();
      throw deadline.signal.aborted ? abortError(deadline.signal) : loginFailure(err);
    } finally {
      deadline.dispose();
    }
  }
}

/** Aborts when the session is closed or the startup takes too long, with a reason for each. */
class StartupDeadline {
  phase: "connect" | "login" = "connect";
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort = (): void => this.controller.abort(abortReason(this.parent));

  constructor(
    private readonly parent: AbortSignal,
    timeoutMs: number,
    target: PostgresTarget,
  ) {
    const where = `${target.host}:${target.port}`;
    this.timer = setTimeout(() => {
      const what =
        this.phase === "connect"
          ? "accept a connection (and finish the TLS handshake)"
          : "finish the login";
      this.controller.abort(
        new SessionError(
          CloseCode.CLOSE_CODE_UNAVAILABLE,
          `target ${where} did not ${what} within ${timeoutMs} ms; check that it is up and reachable from the connector host`,
        ),
      );
    }, timeoutMs);
    if (parent.aborted) this.onAbort();
    else parent.addEventListener("abort", this.onAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.parent.removeEventListener("abort", this.onAbort);
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new SessionError(
        CloseCode.CLOSE_CODE_NORMAL,
        "the session was closed before the target connection was up",
      );
}

function loginFailure(err: unknown): Error {
  if (err instanceof SessionError) return err;
  if (err instanceof ProtocolError) {
    return new SessionError(
      CloseCode.CLOSE_CODE_UNAVAILABLE,
      `the target broke the Postgres protocol during the login (${err.message}); check that the connection's host and port point at Postgres`,
    );
  }
  if (err instanceof StreamClosedError) {
    return new SessionError(
      CloseCode.CLOSE_CODE_UNAVAILABLE,
      "the target closed the connection during the login; check the target's log",
    );
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string") {
    return new SessionError(
      CloseCode.CLOSE_CODE_UNAVAILABLE,
      `the connection to the target failed during the login (${code}); check the target's log`,
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}
