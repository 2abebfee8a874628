// The few errors a use case may throw, named for what the caller should do.
// One exception filter maps them to HTTP (http-error.filter.ts), one function to
// gRPC (grpc-status.ts). Messages are shown to callers as they are: they name the
// field or the id the caller passed and what to do next, never a secret.

export type ErrorCode =
  | "invalid_input"
  | "unauthenticated"
  | "permission_denied"
  | "not_found"
  | "conflict"
  | "unavailable"
  | "internal";

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;

  constructor(message: string) {
    super(message);
    // The subclass's own name (InvalidInput, NotFound, …) for logs and stack traces.
    this.name = new.target.name;
  }
}

/** One problem of a document with several (a policy): where it is and what is wrong. */
export interface InputIssue {
  path: string;
  message: string;
}

/**
 * The request is malformed; `field` is the dotted path of the offending field. `issues`
 * lists each problem when a document has several (the message lists them too).
 */
export class InvalidInput extends DomainError {
  readonly code = "invalid_input";
  constructor(
    message: string,
    readonly field?: string,
    readonly issues?: readonly InputIssue[],
  ) {
    super(message);
  }
}

/** The caller's credentials are missing, invalid, expired or revoked. */
export class Unauthenticated extends DomainError {
  readonly code = "unauthenticated";
}

/** Authenticated, but the caller's role does not allow this. */
export class PermissionDenied extends DomainError {
  readonly code = "permission_denied";
}

export class NotFound extends DomainError {
  readonly code = "not_found";
}

/** The request clashes with the current state (a name taken, a thing still in use). */
export class Conflict extends DomainError {
  readonly code = "conflict";
}

/** A dependency (database, connector, target) cannot be reached right now. */
export class Unavailable extends DomainError {
  readonly code = "unavailable";
}
