import { createServer, type Server, type Socket } from "node:net";
import type { ClientGatewayClient } from "@airlock/proto";
import type { GrpcTarget } from "../config/grpc-target";
import { CliError } from "../errors";
import { describeCallFailure } from "./call-failure";
import { type SessionEnd, type SessionSpec, GatewaySession } from "./gateway-session";
import { authMetadata, createGatewayClient } from "./grpc-channel";

export interface LocalGatewayOptions {
  readonly grpc: GrpcTarget;
  /**
   * The Bearer credential, asked for at each accepted connection: an API key, or a login's
   * access token (refreshed when it nears expiry, so a long `airlock connect` keeps working).
   */
  readonly bearer: () => Promise<string>;
  readonly apiKeyFromEnv: boolean;
  /** True when the credential is an OIDC login rather than an API key (for messages). */
  readonly login?: boolean;
  readonly userAgent: string;
  readonly spec: SessionSpec;
  readonly onOpened?: (sessionId: string) => void;
  readonly onEnded?: (end: SessionEnd) => void;
}

/** How long a graceful stop waits for the control plane to close live sessions. */
const STOP_GRACE_MS = 3_000;

/**
 * The local side of `airlock connect` and `airlock exec`: a TCP listener on this machine whose
 * every accepted connection becomes one `ClientGateway.Connect` call on one shared gRPC
 * channel. `start()` then `stop()`; `stop()` is safe to call twice.
 */
export class LocalGateway {
  private readonly client: ClientGatewayClient;
  private readonly sessions = new Set<GatewaySession>();
  /** Accepted connections waiting for their credential. */
  private readonly pending = new Set<Socket>();
  private server: Server | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: LocalGatewayOptions) {
    this.client = createGatewayClient(options.grpc, options.userAgent);
  }

  /** Listens on `host:port` (port 0: any free port) and resolves with the bound port. */
  async start(host: string, port: number): Promise<number> {
    // allowHalfOpen: a client that half-closes after sending (e.g. a failed startup) must
    // still receive the gateway's ErrorResponse; we end our side when the call ends.
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) =>
        reject(listenError(error, host, port)),
      );
      server.listen({ host, port, exclusive: true }, () => resolve());
    });
    // Errors after listening (e.g. EMFILE on accept) must not crash the process.
    server.on("error", () => undefined);
    const address = server.address();
    return typeof address === "object" && address !== null ? address.port : port;
  }

  /** The number of local connections being relayed. */
  get liveSessions(): number {
    return this.sessions.size;
  }

  stop(): Promise<void> {
    this.stopping ??= this.drain();
    return this.stopping;
  }

  private accept(socket: Socket): void {
    if (this.stopping !== undefined) {
      socket.destroy();
      return;
    }
    // The socket stays paused (no data listener) until the session takes it over; an error
    // meanwhile must not go unhandled.
    const ignore = (): void => undefined;
    socket.on("error", ignore);
    this.pending.add(socket);
    this.options.bearer().then(
      (bearer) => {
        this.pending.delete(socket);
        socket.off("error", ignore);
        if (this.stopping !== undefined || socket.destroyed) {
          socket.destroy();
          return;
        }
        this.open(socket, bearer);
      },
      (error: unknown) => {
        this.pending.delete(socket);
        socket.destroy();
        const reason = error instanceof Error ? error.message : String(error);
        this.options.onEnded?.({
          sessionId: undefined,
          reason,
          failure: reason,
          closeCode: undefined,
        });
      },
    );
  }

  private open(socket: Socket, bearer: string): void {
    const { options } = this;
    const session = new GatewaySession(socket, this.client, authMetadata(bearer), options.spec, {
      opened: (sessionId) => options.onOpened?.(sessionId),
      describeFailure: (status) =>
        describeCallFailure(status, {
          address: options.grpc.address,
          insecure: options.grpc.insecure,
          apiKeyFromEnv: options.apiKeyFromEnv,
          login: options.login,
        }),
    });
    this.sessions.add(session);
    void session.done.then((end) => {
      this.sessions.delete(session);
      options.onEnded?.(end);
    });
  }

  private async drain(): Promise<void> {
    const server = this.server;
    const closed =
      server === undefined
        ? Promise.resolve()
        : new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.pending) socket.destroy();
    const live = [...this.sessions];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(live.map((session) => session.shutdown())),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS))),
    ]);
    clearTimeout(timer);
    for (const session of live) session.abort();
    await Promise.all(live.map((session) => session.done));
    await closed;
    this.client.close();
  }
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): CliError {
  const where = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  switch (error.code) {
    case "EADDRINUSE":
      return new CliError(
        `port ${port} on ${host} is already in use (another airlock connect, or a local Postgres?); ` +
          `pick another with --port, e.g. --port ${port === 65535 ? port - 1 : port + 1}`,
      );
    case "EACCES":
      return new CliError(
        `not allowed to listen on ${where} (EACCES); pick a port above 1023 with --port`,
      );
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return new CliError(
        `cannot listen on ${where}: ${host} is not an address of this machine; check --host`,
      );
    default:
      return new CliError(`cannot listen on ${where}: ${error.code ?? error.message}`);
  }
}
