// What other modules may use of connectors: find one by id or name, the gRPC
// tunnel service, and sending an instruction down a live control stream.
import type { ControlInstruction } from "@airlock/proto";
import { Injectable } from "@nestjs/common";
import type { GrpcServiceBinding } from "../grpc/grpc-binding";
import { ConnectorsService } from "./connectors.service";
import { ConnectorTunnelService } from "./tunnel/connector-tunnel.service";
import { ControlRegistry } from "./tunnel/control-registry";

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
}
