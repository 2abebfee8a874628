import type { ServiceDefinition, UntypedServiceImplementation } from "@grpc/grpc-js";

/** A gRPC service a feature module contributes to the server. */
export interface GrpcServiceBinding {
  name: string;
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
  /** Before the server stops: end long-lived calls cleanly (bounded by the caller). */
  beforeStop?(): Promise<void>;
  /** After the server stopped taking calls: finish bookkeeping (bounded by the caller). */
  drain?(): Promise<void>;
}
