// The ConnectorTunnel gRPC service: builds one ControlChannel per Control call and
// keeps track of their background writes so shutdown can wait for them; hands each
// Session call, once it attached, to the session waiting for it.
import {
  type ConnectorSessionFrame,
  type ConnectorTunnelServer,
  // The fast service: data frames are encoded in one allocation and decoded as views.
  ConnectorTunnelFastService as ConnectorTunnelDefinition,
} from "@airlock/proto";
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { AuditService } from "../../audit/audit.service";
import { APP_CONFIG, ROOT_LOGGER } from "../../config/config.tokens";
import type { AppConfig } from "../../config/config.types";
import { InvalidInput, NotFound } from "../../errors/domain-errors";
import { FrameReader, TIMED_OUT } from "../../grpc/frame-reader";
import type { GrpcServiceBinding } from "../../grpc/grpc-binding";
import { bearerOf, endWithError } from "../../grpc/grpc-call";
import { CONTROL_PLANE_VERSION } from "../../version";
import { ConnectorTokensService } from "../connector-tokens.service";
import { ConnectorRepository } from "../connector.repository";
import { type ControlCall, ControlChannel } from "./control-channel";
import { ControlRegistry } from "./control-registry";
import { type SessionCall, SessionAttachments } from "./session-attachments";

/** How long a connector has to send `attach` on a new Session stream. */
export const ATTACH_TIMEOUT_MS = 10_000;

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
    private readonly attachments: SessionAttachments,
    private readonly audit: AuditService,
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
      attachments: this.attachments,
      audit: this.audit,
      heartbeatIntervalMs: this.config.heartbeatIntervalMs,
      controlPlaneVersion: CONTROL_PLANE_VERSION,
      logger: this.logger,
      track: (work) => this.track(work),
    });
    this.track(channel.run());
  }

  /** authenticate → `attach` within ATTACH_TIMEOUT_MS → handed to the waiting session. */
  private session(call: SessionCall): void {
    call.on("error", () => undefined);
    this.track(this.attach(call).catch((err: unknown) => endWithError(call, err, this.logger)));
  }

  private async attach(call: SessionCall): Promise<void> {
    const auth = await this.tokens.authenticate(bearerOf(call.metadata));
    const frames = new FrameReader<ConnectorSessionFrame>(call);
    const first = await frames.nextWithin(ATTACH_TIMEOUT_MS);
    if (first === TIMED_OUT) {
      throw new InvalidInput(
        `expected attach as the first session frame within ${ATTACH_TIMEOUT_MS / 1000} s`,
      );
    }
    if (first === undefined) return;
    if (first.frame?.$case !== "attach") {
      throw new InvalidInput(
        `the first session frame must be attach, got ${first.frame?.$case ?? "an empty frame"}`,
      );
    }
    const { sessionId, attachToken } = first.frame.value;
    if (!this.attachments.attach(sessionId, attachToken, auth.connectorId, { call, frames })) {
      this.logger.warn(
        { connector: auth.connectorName, sessionId },
        "refused a session stream nobody waits for",
      );
      throw new NotFound(
        `no session ${sessionId} is waiting for connector "${auth.connectorName}" (it timed out, ended, or the attach token does not match)`,
      );
    }
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
