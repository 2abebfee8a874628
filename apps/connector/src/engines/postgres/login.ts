// Dial, TLS as sslmode says, and the authentication exchange, under one
// deadline: what the engine does for the session's own connection and the
// masking catalog does for its side connection. Resolves at AuthenticationOk
// with everything needed to read on; rejects with a SessionError (or the abort
// reason) and leaves nothing open.

import { ProtocolError } from "@airlock/pg-wire";
import { CloseCode } from "@airlock/proto";
import type { ResolvedCredential } from "../../credentials";
import type { Logger } from "../../logger";
import { StreamClosedError } from "../../streams";
import { SessionError } from "../session-error";
import { authenticate } from "./authenticate";
import { BackendReader, type ReadMessage } from "./backend-reader";
import type { PostgresTarget } from "./options";
import { abortError, openTransport, type Transport } from "./transport";

export interface LoginRequest {
  readonly target: PostgresTarget;
  /** StartupMessage parameters, `user` and `database` included. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly credential: ResolvedCredential;
  /** Aborts the whole login (session closed). */
  readonly signal: AbortSignal;
  /** How long the TCP connect, TLS handshake and login may take together. */
  readonly timeoutMs: number;
  readonly log: Logger;
}

export interface LoggedIn {
  readonly transport: Transport;
  /** The socket's chunks; the login read up to (and including) the chunk with AuthenticationOk. */
  readonly chunks: AsyncIterator<Buffer>;
  readonly reader: BackendReader;
  readonly authenticationOk: ReadMessage;
}

export async function login(request: LoginRequest): Promise<LoggedIn> {
  const { target, parameters, credential, log } = request;
  const password = credential.kind === "password" ? credential.password : undefined;
  const deadline = new StartupDeadline(request.signal, request.timeoutMs, target);
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
    return { transport, chunks, reader, authenticationOk };
  } catch (err) {
    transport?.socket.destroy();
    transport?.tcp.destroy();
    throw deadline.signal.aborted ? abortError(deadline.signal) : loginFailure(err);
  } finally {
    deadline.dispose();
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
