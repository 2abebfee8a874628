// A plain TCP byte relay to spec.host:spec.port: the simplest engine, and the
// stand-in for the Postgres engine until issue 3 replaces it with one that
// speaks the protocol (authenticates with the credential, masks results).

import { connect, type Socket } from "node:net";
import { CloseCode } from "@airlock/proto";
import { writeWithBackpressure } from "../streams";
import type { OpenTargetRequest, TargetConnection, TargetEngine } from "./engine";
import { SessionError } from "./session-error";

export interface TcpRelayOptions {
  /** How long a target may take to accept the TCP connection. */
  readonly connectTimeoutMs: number;
}

const DEFAULT_OPTIONS: TcpRelayOptions = { connectTimeoutMs: 10_000 };

export class TcpRelayEngine implements TargetEngine {
  constructor(
    readonly name: string,
    private readonly options: TcpRelayOptions = DEFAULT_OPTIONS,
  ) {}

  async open(request: OpenTargetRequest): Promise<TargetConnection> {
    const { host, port } = request.spec;
    if (host === "") {
      throw new SessionError(
        CloseCode.CLOSE_CODE_INVALID_INPUT,
        "the connection has no target host; set its host",
      );
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new SessionError(
        CloseCode.CLOSE_CODE_INVALID_INPUT,
        `the connection's target port ${port} is not an integer from 1 to 65535; fix its port`,
      );
    }
    const socket = await dial(host, port, this.options.connectTimeoutMs, request.signal);
    return new SocketTarget(socket);
  }
}

class SocketTarget implements TargetConnection {
  readonly remoteAddress: string;
  readonly output: AsyncIterable<Buffer>;

  constructor(private readonly socket: Socket) {
    const address = socket.remoteAddress ?? "unknown";
    this.remoteAddress = address.includes(":")
      ? `[${address}]:${socket.remotePort}`
      : `${address}:${socket.remotePort}`;
    // Keep a listener so a failure before anyone pulls cannot crash the process;
    // the iterator rethrows the error to whoever pulls next.
    socket.on("error", () => undefined);
    // A Readable iterates chunk by chunk and stops reading while nobody pulls.
    this.output = socket;
  }

  write(chunk: Buffer): Promise<void> {
    return writeWithBackpressure(this.socket, chunk);
  }

  close(): void {
    this.socket.destroy();
  }
}

function dial(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<Socket> {
  const where = `${host}:${port}`;
  return new Promise<Socket>((resolve, reject) => {
    if (signal.aborted) {
      reject(abortReason(signal));
      return;
    }
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      fail(
        new SessionError(
          CloseCode.CLOSE_CODE_UNAVAILABLE,
          `target ${where} did not accept a connection within ${timeoutMs} ms; check that it is up and reachable from the connector host`,
        ),
      );
    }, timeoutMs);
    const onError = (err: NodeJS.ErrnoException): void => {
      fail(
        new SessionError(
          CloseCode.CLOSE_CODE_UNAVAILABLE,
          `cannot reach target ${where} from the connector (${err.code ?? err.message}); check the connection's host and port`,
        ),
      );
    };
    const onAbort = (): void => fail(abortReason(signal));
    const onConnect = (): void => {
      cleanup();
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      resolve(socket);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off("error", onError);
      socket.off("connect", onConnect);
      signal.removeEventListener("abort", onAbort);
    };
    const fail = (err: Error): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    socket.once("connect", onConnect);
    socket.once("error", onError);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new SessionError(
        CloseCode.CLOSE_CODE_NORMAL,
        "the session was closed before the target connection was up",
      );
}
