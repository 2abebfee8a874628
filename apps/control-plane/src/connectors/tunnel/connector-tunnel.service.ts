// The ConnectorTunnel gRPC service: builds one ControlChannel per Control call and
// keeps track of their background writes so shutdown can wait for them.
import { status as GrpcStatus, type ServerDuplexStream } from "@grpc/grpc-js";
import {
  type ConnectorSessionFrame,
  type ConnectorTunnelServer,
  ConnectorTunnelService as ConnectorTunnelDefinition,
  type GatewaySessionFrame,
} from "@airlock/proto";
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { APP_CONFIG, ROOT_LOGGER } from "../../config/config.tokens";
import type { AppConfig } from "../../config/config.types";
import type { GrpcServiceBinding } from "../../grpc/grpc-binding";
import { bearerOf, endWithError, endWithStatus } from "../../grpc/grpc-call";
import { CONTROL_PLANE_VERSION } from "../../version";
import { ConnectorTokensService } from "../connector-tokens.service";
import { ConnectorRepository } from "../connector.repository";
import { type ControlCall, ControlChannel } from "./control-channel";
import { ControlRegistry } from "./control-registry";

@Injectable()
export class ConnectorTunnelService {
  private readonly logger: Logger;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly tokens: ConnectorTokensService,
    private readonly connectors: ConnectorRepository,
    private readonly registry: ControlRegistry,
  ) {
    this.logger = root.child({ component: "tunnel" });
  }

  binding(): GrpcServiceBinding {
    const implementation: ConnectorTunnelServer = {
      control: (call) => this.control(call),
      session: (call) => this.session(call),
    };
    return {
      name: "airlock.v1.ConnectorTunnel",
      definition: ConnectorTunnelDefinition,
      implementation,
      drain: () => this.drain(),
    };
  }

  private control(call: ControlCall): void {
    const channel = new ControlChannel(call, {
      tokens: this.tokens,
      connectors: this.connectors,
      registry: this.registry,
      heartbeatIntervalMs: this.config.heartbeatIntervalMs,
      controlPlaneVersion: CONTROL_PLANE_VERSION,
      logger: this.logger,
      track: (work) => this.track(work),
    });
    this.track(channel.run());
  }

  /** Session streams arrive with issue 3; until then: authenticate, then UNIMPLEMENTED. */
  private session(call: ServerDuplexStream<ConnectorSessionFrame, GatewaySessionFrame>): void {
    call.on("error", () => undefined);
    this.track(
      this.tokens.authenticate(bearerOf(call.metadata)).then(
        () =>
          endWithStatus(call, {
            code: GrpcStatus.UNIMPLEMENTED,
            details: "ConnectorTunnel.Session arrives with issue 3",
          }),
        (err: unknown) => endWithError(call, err, this.logger),
      ),
    );
  }

  private track(work: Promise<unknown>): void {
    const settled = work.catch(() => undefined);
    this.pending.add(settled);
    void settled.finally(() => this.pending.delete(settled));
  }

  /** Waits for pending writes (disconnect records) once the server stopped. */
  private async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
