// ClientGateway (the CLI's side): every call is authenticated first — a bad key
// gets UNAUTHENTICATED — then served by the gateway (src/gateway).
import type { ServerDuplexStream } from "@grpc/grpc-js";
import {
  type ClientFrame,
  type ClientGatewayServer,
  // The fast service: data frames are encoded in one allocation and decoded as views.
  ClientGatewayFastService as ClientGatewayDefinition,
  type GatewayFrame,
} from "@airlock/proto";
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { ROOT_LOGGER } from "../config/config.tokens";
import { Unauthenticated } from "../errors/domain-errors";
import { GatewayService } from "../gateway/gateway.service";
import type { Principal } from "../identity/auth/principal";
import { IdentityService } from "../identity/identity.service";
import type { GrpcServiceBinding } from "./grpc-binding";
import { bearerOf, endWithError } from "./grpc-call";

@Injectable()
export class ClientGatewayService {
  private readonly logger: Logger;

  constructor(
    private readonly identity: IdentityService,
    private readonly gateway: GatewayService,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: "gateway" });
  }

  binding(): GrpcServiceBinding {
    const implementation: ClientGatewayServer = { connect: (call) => this.connect(call) };
    return {
      name: "airlock.v1.ClientGateway",
      definition: ClientGatewayDefinition,
      implementation,
      beforeStop: () => this.gateway.stop(),
    };
  }

  private connect(call: ServerDuplexStream<ClientFrame, GatewayFrame>): void {
    call.on("error", () => undefined);
    void this.authenticate(call).then(
      (principal) => this.gateway.connect(call, principal),
      (err: unknown) => endWithError(call, err, this.logger),
    );
  }

  private async authenticate(
    call: ServerDuplexStream<ClientFrame, GatewayFrame>,
  ): Promise<Principal> {
    const token = bearerOf(call.metadata);
    if (token === undefined) {
      throw new Unauthenticated(
        "missing `authorization: Bearer <API key or access token>` metadata; log in with the airlock CLI first",
      );
    }
    return this.identity.authenticate(token);
  }
}
