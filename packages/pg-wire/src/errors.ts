/** What was wrong with the bytes; a protocol error always ends the session. */
export type ProtocolErrorCode =
  "frame_too_large" | "malformed" | "unknown_message" | "unsupported_protocol";

/**
 * Bytes that are not valid Postgres protocol. Parsers throw it and stay poisoned:
 * every later `parse()` throws the same error again.
 */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";

  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Exhaustiveness check for the end of every `switch` over a union. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
