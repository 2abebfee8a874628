// The ONE mapping from errors to gRPC status. Anything that is not a domain error
// is an internal failure: its detail belongs in the log, not in the reply.
import { status as GrpcStatus } from "@grpc/grpc-js";
import { DomainError, type ErrorCode } from "./domain-errors";

export interface GrpcErrorStatus {
  code: GrpcStatus;
  details: string;
}

const GRPC_CODES: Record<ErrorCode, GrpcStatus> = {
  invalid_input: GrpcStatus.INVALID_ARGUMENT,
  unauthenticated: GrpcStatus.UNAUTHENTICATED,
  permission_denied: GrpcStatus.PERMISSION_DENIED,
  not_found: GrpcStatus.NOT_FOUND,
  conflict: GrpcStatus.FAILED_PRECONDITION,
  unavailable: GrpcStatus.UNAVAILABLE,
  internal: GrpcStatus.INTERNAL,
};

export const INTERNAL_ERROR_MESSAGE = "internal error; the control plane log has the details";

export function toGrpcStatus(err: unknown): GrpcErrorStatus {
  if (err instanceof DomainError) return { code: GRPC_CODES[err.code], details: err.message };
  return { code: GrpcStatus.INTERNAL, details: INTERNAL_ERROR_MESSAGE };
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
