/**
 * @airlock/pg-wire: a pure Postgres v3 wire-protocol codec, both directions. No I/O.
 *
 * Parsers are state machines over Buffers: `parse(chunk, onMessage)` appends the chunk, emits
 * every complete message and keeps the remainder. Frame lengths are checked against
 * `maxFrameBytes` as soon as a header arrives, before any body is buffered. A ProtocolError
 * poisons the parser: a protocol error closes the session.
 *
 * Chunks passed to `parse()` must not be modified afterwards: messages (`raw` and the
 * buffers inside) are views of them.
 */
export { ProtocolError, ProtocolErrorCode, assertNever } from "./errors";
export * from "./messages";
export { FrontendParser, BackendParser, ParserPhase } from "./parser";
export {
  decodePasswordMessage,
  decodeSASLInitialResponse,
  decodeSASLResponse,
  SASLInitialResponse,
} from "./frontend";
export { decodeDataRowValues } from "./backend";
export * from "./encode-backend";
export * from "./encode-frontend";
export { SqlState, SqlStateCode } from "./sqlstate";
