// Owns the @grpc/grpc-js Server: binds at application bootstrap (before HTTP
// listens), stops before the HTTP server and the store close. Live sessions are
// ended first (beforeStop: clients get 57P01); connected connectors are told
// nothing special: their streams end and they reconnect.
import { Server, setLogger } from "@grpc/grpc-js";
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from "@nestjs/common";
import type { Logger } from "pino";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { ConnectorsFacade } from "../connectors/connectors.facade";
import type { GrpcServiceBinding } from "./grpc-binding";
import { ClientGatewayService } from "./client-gateway.service";
import { hostPort, serverCredentials } from "./grpc-credentials";

/** How long running calls get to finish before they are cancelled. */
const GRACE_MS = 1000;
/** How long shutdown waits for bookkeeping writes after that. */
const DRAIN_MS = 2000;
/** How long services get to end their long-lived calls (sessions) before the server stops. */
const BEFORE_STOP_MS = 4000;

@Injectable()
export class GrpcServerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: Logger;
  private readonly bindings: GrpcServiceBinding[];
  private server: Server | undefined;
  private boundPort: number | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    connectors: ConnectorsFacade,
    gateway: ClientGatewayService,
  ) {
    this.logger = root.child({ component: "grpc" });
    // grpc-js writes its own diagnostics to stderr; send them through the log instead.
    const grpcLog = this.logger.child({ source: "grpc-js" });
    setLogger({ error: (...args: unknown[]) => grpcLog.warn(args.map(String).join(" ")) });
    this.bindings = [connectors.tunnelBinding(), gateway.binding()];
  }

  /** host:port actually bound (the real port when 0 was configured). */
  address(): string {
    return hostPort(this.config.grpc.host, this.boundPort ?? this.config.grpc.port);
  }

  get tls(): boolean {
    return this.config.grpc.tls !== null;
  }

  onApplicationBootstrap(): Promise<void> {
    return this.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  async start(): Promise<void> {
    if (this.server !== undefined) return;
    const { grpc } = this.config;
    const server = new Server({
      "grpc.max_receive_message_length": grpc.maxMessageBytes,
      "grpc.max_send_message_length": grpc.maxMessageBytes,
      // Detect dead peers on idle control streams.
      "grpc.keepalive_time_ms": 30_000,
      "grpc.keepalive_timeout_ms": 10_000,
    });
    for (const binding of this.bindings)
      server.addService(binding.definition, binding.implementation);
    this.server = server;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(hostPort(grpc.host, grpc.port), serverCredentials(grpc), (err, port) => {
        if (err)
          reject(
            new Error(
              `cannot listen for gRPC on ${hostPort(grpc.host, grpc.port)}: ${err.message}`,
            ),
          );
        else resolve(port);
      });
    });
    if (grpc.tls === null)
      this.logger.warn("gRPC serves PLAINTEXT (AIRLOCK_GRPC_INSECURE=true): development only");
  }

  /** Stops taking calls, cancels those still running after a grace period; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    await withTimeout(
      Promise.all(this.bindings.map((b) => (b.beforeStop ? b.beforeStop() : Promise.resolve()))),
      BEFORE_STOP_MS,
    );
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, GRACE_MS);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    // Cancelled calls report it on a later tick; then their bookkeeping runs.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await withTimeout(
      Promise.all(this.bindings.map((b) => (b.drain ? b.drain() : Promise.resolve()))),
      DRAIN_MS,
    );
    this.logger.info("gRPC server stopped");
  }
}

async function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
