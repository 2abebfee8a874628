// Small helpers shared by the gRPC handlers.
import { type Metadata, status as GrpcStatus } from "@grpc/grpc-js";
import { AUTH_METADATA_KEY, parseBearer } from "@airlock/proto";
import type { Logger } from "pino";
import { isDomainError, toGrpcStatus } from "../errors/grpc-status";

/** Any server-side call: what we need to end it with a status. */
export interface EndableCall {
  emit(event: "error", status: { code: GrpcStatus; details: string }): boolean;
  getPeer(): string;
}

/** The bearer token of the call's `authorization` metadata, if well-formed. */
export function bearerOf(metadata: Metadata): string | undefined {
  return parseBearer(metadata.get(AUTH_METADATA_KEY)[0]);
}

/** Ends the call with the status an error maps to; logs failures that are ours. */
export function endWithError(call: EndableCall, err: unknown, logger: Logger): void {
  if (!isDomainError(err)) logger.error({ err, peer: call.getPeer() }, "gRPC call failed");
  endWithStatus(call, toGrpcStatus(err));
}

/** Ends the call with this status (grpc-js sends it as the trailers). */
export function endWithStatus(
  call: EndableCall,
  status: { code: GrpcStatus; details: string },
): void {
  call.emit("error", status);
}
