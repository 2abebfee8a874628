import type { ServiceDefinition, UntypedServiceImplementation } from "@grpc/grpc-js";

/** A gRPC service a feature module contributes to the server. */
export interface GrpcServiceBinding {
  name: string;
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
  /** After the server stopped taking calls: finish bookkeeping (bounded by the caller). */
  drain?(): Promise<void>;
}
