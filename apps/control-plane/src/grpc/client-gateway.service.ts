// ClientGateway (the CLI's side). Sessions arrive with issue 3; until then every
// call is authenticated first — a bad key gets UNAUTHENTICATED — then answered
// UNIMPLEMENTED.
import { status as GrpcStatus, type ServerDuplexStream } from "@grpc/grpc-js";
import {
  type ClientFrame,
  type ClientGatewayServer,
  ClientGatewayService as ClientGatewayDefinition,
  type GatewayFrame,
} from "@airlock/proto";
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { ROOT_LOGGER } from "../config/config.tokens";
import { Unauthenticated } from "../errors/domain-errors";
import { IdentityService } from "../identity/identity.service";
import type { GrpcServiceBinding } from "./grpc-binding";
import { bearerOf, endWithError, endWithStatus } from "./grpc-call";

@Injectable()
export class ClientGatewayService {
  private readonly logger: Logger;

  constructor(
    private readonly identity: IdentityService,
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
    };
  }

  private connect(call: ServerDuplexStream<ClientFrame, GatewayFrame>): void {
    call.on("error", () => undefined);
    void this.authenticate(call).then(
      () =>
        endWithStatus(call, {
          code: GrpcStatus.UNIMPLEMENTED,
          details: "ClientGateway.Connect arrives with issue 3",
        }),
      (err: unknown) => endWithError(call, err, this.logger),
    );
  }

  private async authenticate(call: ServerDuplexStream<ClientFrame, GatewayFrame>): Promise<void> {
    const token = bearerOf(call.metadata);
    if (token === undefined) {
      throw new Unauthenticated(
        "missing `authorization: Bearer <API key>` metadata; log in with the airlock CLI first",
      );
    }
    await this.identity.authenticateApiKey(token);
  }
}
