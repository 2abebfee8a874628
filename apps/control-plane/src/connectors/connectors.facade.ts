// What other modules may use of connectors: find one by id or name, the gRPC
// tunnel service, sending an instruction down a live control stream, and asking a
// connector to open a session's data stream.
import type { CloseCode, ControlInstruction, MaskConfig, TargetSpec } from "@airlock/proto";
import { Injectable } from "@nestjs/common";
import type { GrpcServiceBinding } from "../grpc/grpc-binding";
import { ConnectorsService } from "./connectors.service";
import { ConnectorTunnelService } from "./tunnel/connector-tunnel.service";
import { ControlRegistry } from "./tunnel/control-registry";
import { type AttachedSession, SessionAttachments } from "./tunnel/session-attachments";

export type { AttachedSession, SessionCall } from "./tunnel/session-attachments";

export interface SessionRequest {
  connectorId: string;
  sessionId: string;
  /** Holds the decrypted credential: never log it. */
  target: TargetSpec;
  startupParameters: Record<string, string>;
  /** The session's mask rules and hash key (secret): never log it. Undefined: no masking. */
  mask?: MaskConfig | undefined;
}

export interface PendingSession {
  /** Settles when the connector attached its Session stream; rejects (Unavailable) when it cannot. */
  readonly attached: Promise<AttachedSession>;
  /** Stops waiting and tells the connector to drop the session (best effort). */
  abandon(code: CloseCode, reason: string): void;
}

export interface ConnectorRef {
  id: string;
  name: string;
}

@Injectable()
export class ConnectorsFacade {
  constructor(
    private readonly connectors: ConnectorsService,
    private readonly tunnel: ConnectorTunnelService,
    private readonly registry: ControlRegistry,
    private readonly attachments: SessionAttachments,
  ) {}

  async find(idOrName: string): Promise<ConnectorRef | null> {
    const row = await this.connectors.findByIdOrName(idOrName);
    return row === null ? null : { id: row.id, name: row.name };
  }

  tunnelBinding(): GrpcServiceBinding {
    return this.tunnel.binding();
  }

  /** Throws Unavailable when the connector has no live stream on this replica. */
  sendInstruction(connectorId: string, instruction: ControlInstruction): void {
    this.registry.sendInstruction(connectorId, instruction);
  }

  isConnected(connectorId: string): boolean {
    return this.registry.isConnected(connectorId);
  }

  /** True once the connector has a live control stream on this replica; false after `timeoutMs`. */
  waitConnected(connectorId: string, timeoutMs: number): Promise<boolean> {
    return this.registry.waitConnected(connectorId, timeoutMs);
  }

  /**
   * Sends open_session (with a fresh one-time attach token) down the connector's
   * control stream. Throws Unavailable when the connector has no live stream here.
   */
  requestSession(request: SessionRequest): PendingSession {
    const { connectorId, sessionId } = request;
    const expectation = this.attachments.expect(sessionId, connectorId);
    try {
      this.registry.sendInstruction(connectorId, {
        msg: {
          $case: "openSession",
          value: {
            sessionId,
            attachToken: expectation.attachToken,
            target: request.target,
            startupParameters: request.startupParameters,
            mask: request.mask,
          },
        },
      });
    } catch (err) {
      expectation.cancel();
      throw err;
    }
    return {
      attached: expectation.attached,
      abandon: (code, reason) => {
        expectation.cancel();
        if (!this.registry.isConnected(connectorId)) return;
        try {
          this.registry.sendInstruction(connectorId, {
            msg: { $case: "closeSession", value: { sessionId, close: { code, reason } } },
          });
        } catch {
          // The control stream just went away: the connector drops its sessions anyway.
        }
      },
    };
  }

  /** Calls `listener` when a connector's control stream on this replica ends; returns the unsubscribe. */
  onConnectorGone(listener: (connectorId: string, connectorName: string) => void): () => void {
    return this.registry.onGone(listener);
  }
}
