// The gRPC server (connectors and the CLI), built on @grpc/grpc-js directly.
import { Module } from "@nestjs/common";
import { ConnectorsModule } from "../connectors/connectors.module";
import { GatewayModule } from "../gateway/gateway.module";
import { IdentityModule } from "../identity/identity.module";
import { ClientGatewayService } from "./client-gateway.service";
import { GrpcServerHost } from "./grpc-server.host";

@Module({
  imports: [ConnectorsModule, IdentityModule, GatewayModule],
  providers: [ClientGatewayService, GrpcServerHost],
  exports: [GrpcServerHost],
})
export class GrpcModule {}
