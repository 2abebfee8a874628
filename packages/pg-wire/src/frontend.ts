import { assertNever, ProtocolError } from "./errors";
import {
  Bind,
  CANCEL_REQUEST_CODE,
  CancelRequest,
  Close,
  Describe,
  DescribeTarget,
  Execute,
  FrontendMessage,
  FunctionCall,
  GSSENC_REQUEST_CODE,
  Parse,
  SSL_REQUEST_CODE,
  StartupMessage,
  StartupPhaseMessage,
} from "./messages";
import { describeTypeByte } from "./framer";
import { Reader } from "./reader";

/** Frontend message grammar: the startup-phase packets and the typed messages. */

type TypedFrontendKind = Exclude<FrontendMessage, StartupPhaseMessage>["type"];

const TYPED_FRONTEND: Readonly<Record<string, TypedFrontendKind>> = {
  Q: "query",
  P: "parse",
  B: "bind",
  D: "describe",
  E: "execute",
  S: "sync",
  H: "flush",
  C: "close",
  d: "copyData",
  c: "copyDone",
  f: "copyFail",
  F: "functionCall",
  X: "terminate",
  p: "passwordLike",
};

/** Kind by type byte; `undefined` for bytes that start no frontend message. */
const KIND_BY_BYTE: readonly (TypedFrontendKind | undefined)[] = Array.from(
  { length: 256 },
  (_, b) => TYPED_FRONTEND[String.fromCharCode(b)],
);

/** Names used in error messages, e.g. `Bind ('B')`. */
const WHAT: Readonly<Record<TypedFrontendKind, string>> = {
  query: "Query ('Q')",
  parse: "Parse ('P')",
  bind: "Bind ('B')",
  describe: "Describe ('D')",
  execute: "Execute ('E')",
  sync: "Sync ('S')",
  flush: "Flush ('H')",
  close: "Close ('C')",
  copyData: "CopyData ('d')",
  copyDone: "CopyDone ('c')",
  copyFail: "CopyFail ('f')",
  functionCall: "FunctionCall ('F')",
  terminate: "Terminate ('X')",
  passwordLike: "PasswordMessage ('p')",
};

export function isFrontendType(byte: number): boolean {
  return KIND_BY_BYTE[byte] !== undefined;
}

/** Decodes one typed frame (header included); the framer has checked its length. */
export function decodeTypedFrontend(raw: Buffer, r: Reader): FrontendMessage {
  const kind = KIND_BY_BYTE[raw[0] as number];
  if (kind === undefined) {
    const type = describeTypeByte(raw[0] as number);
    throw new ProtocolError("unknown_message", `unknown frontend message type ${type}`);
  }
  r.reset(raw, 5, WHAT[kind]);
  const msg = decodeBody(kind, raw, r);
  r.end();
  return msg;
}

function decodeBody(kind: TypedFrontendKind, raw: Buffer, r: Reader): FrontendMessage {
  switch (kind) {
    case "query":
      return { type: "query", raw, sql: r.cstring("query string") };
    case "parse":
      return decodeParse(raw, r);
    case "bind":
      return decodeBind(raw, r);
    case "describe":
      return decodeDescribe(raw, r);
    case "execute":
      return decodeExecute(raw, r);
    case "sync":
      return { type: "sync", raw };
    case "flush":
      return { type: "flush", raw };
    case "close":
      return decodeClose(raw, r);
    case "copyData":
      return { type: "copyData", raw, data: r.rest() };
    case "copyDone":
      return { type: "copyDone", raw };
    case "copyFail":
      return { type: "copyFail", raw, message: r.cstring("error message") };
    case "functionCall":
      return decodeFunctionCall(raw, r);
    case "terminate":
      return { type: "terminate", raw };
    case "passwordLike":
      return { type: "passwordLike", raw, payload: r.rest() };
    default:
      return assertNever(kind);
  }
}

function decodeParse(raw: Buffer, r: Reader): Parse {
  const name = r.cstring("statement name");
  const sql = r.cstring("query string");
  const count = r.count16(4, "parameter type count");
  const paramTypes = new Array<number>(count);
  for (let i = 0; i < count; i++) paramTypes[i] = r.uint32("parameter type");
  return { type: "parse", raw, name, sql, paramTypes };
}

function readFormats(r: Reader, countField: string, field: string): number[] {
  const count = r.count16(2, countField);
  const formats = new Array<number>(count);
  for (let i = 0; i < count; i++) formats[i] = r.int16(field);
  return formats;
}

function readValues(r: Reader, countField: string, field: string): (Buffer | null)[] {
  const count = r.count16(4, countField);
  const values = new Array<Buffer | null>(count);
  for (let i = 0; i < count; i++) values[i] = r.lengthPrefixed(field);
  return values;
}

function checkFormatCount(r: Reader, formats: number, values: number, what: string): void {
  if (formats > 1 && formats !== values) {
    r.fail(`${formats} ${what} formats for ${values} ${what}s (expected 0, 1 or ${values})`);
  }
}

function decodeBind(raw: Buffer, r: Reader): Bind {
  const portal = r.cstring("portal name");
  const statement = r.cstring("statement name");
  const paramFormats = readFormats(r, "parameter format count", "parameter format");
  const params = readValues(r, "parameter count", "parameter");
  checkFormatCount(r, paramFormats.length, params.length, "parameter");
  const resultFormats = readFormats(r, "result format count", "result format");
  return { type: "bind", raw, portal, statement, paramFormats, params, resultFormats };
}

function readTarget(r: Reader): DescribeTarget {
  const byte = r.byte("target");
  if (byte === 0x53) return "statement"; // 'S'
  if (byte === 0x50) return "portal"; // 'P'
  return r.fail(`target must be 'S' or 'P', got 0x${byte.toString(16)}`);
}

function decodeDescribe(raw: Buffer, r: Reader): Describe {
  const target = readTarget(r);
  return { type: "describe", raw, target, name: r.cstring("name") };
}

function decodeClose(raw: Buffer, r: Reader): Close {
  const target = readTarget(r);
  return { type: "close", raw, target, name: r.cstring("name") };
}

function decodeExecute(raw: Buffer, r: Reader): Execute {
  const portal = r.cstring("portal name");
  return { type: "execute", raw, portal, maxRows: r.int32("row limit") };
}

function decodeFunctionCall(raw: Buffer, r: Reader): FunctionCall {
  const oid = r.uint32("function oid");
  const argFormats = readFormats(r, "argument format count", "argument format");
  const args = readValues(r, "argument count", "argument");
  checkFormatCount(r, argFormats.length, args.length, "argument");
  const resultFormat = r.int16("result format");
  return { type: "functionCall", raw, oid, argFormats, args, resultFormat };
}

// ---------------------------------------------------------------------------------------
// Startup phase: int32 length, int32 code, body
// ---------------------------------------------------------------------------------------

const MAX_CANCEL_KEY_BYTES = 256;

/** Decodes one startup-phase packet; the framer has checked its length (8..10 000). */
export function decodeStartupPacket(raw: Buffer, r: Reader): StartupPhaseMessage {
  const code = raw.readInt32BE(4);
  switch (code) {
    case SSL_REQUEST_CODE:
      return emptyRequest(raw, r, "sslRequest", "SSLRequest");
    case GSSENC_REQUEST_CODE:
      return emptyRequest(raw, r, "gssEncRequest", "GSSENCRequest");
    case CANCEL_REQUEST_CODE:
      return decodeCancelRequest(raw, r);
    default:
      return decodeStartupMessage(raw, r, code);
  }
}

function emptyRequest<T extends "sslRequest" | "gssEncRequest">(
  raw: Buffer,
  r: Reader,
  type: T,
  what: string,
): { type: T; raw: Buffer } {
  r.reset(raw, 8, what).end();
  return { type, raw };
}

function decodeCancelRequest(raw: Buffer, r: Reader): CancelRequest {
  r.reset(raw, 8, "CancelRequest");
  const processId = r.uint32("process id");
  const secretKeyBytes = r.rest();
  const n = secretKeyBytes.length;
  if (n < 4 || n > MAX_CANCEL_KEY_BYTES) {
    r.fail(`secret key of ${n} bytes (expected 4 to ${MAX_CANCEL_KEY_BYTES})`);
  }
  const secretKey = n === 4 ? secretKeyBytes.readUInt32BE(0) : -1;
  return { type: "cancelRequest", raw, processId, secretKey, secretKeyBytes };
}

function describeVersion(code: number): string {
  return `${code >>> 16}.${code & 0xffff}`;
}

function decodeStartupMessage(raw: Buffer, r: Reader, code: number): StartupMessage {
  if (code >>> 16 !== 3) {
    throw new ProtocolError(
      "unsupported_protocol",
      `unsupported frontend protocol ${describeVersion(code)}: only protocol 3.x is supported`,
    );
  }
  r.reset(raw, 8, "StartupMessage");
  return { type: "startup", raw, protocolVersion: code, parameters: readParameters(r) };
}

/** Name/value cstring pairs ended by an empty name, which must be the last byte. */
function readParameters(r: Reader): Record<string, string> {
  const parameters: Record<string, string> = Object.create(null) as Record<string, string>;
  for (;;) {
    const name = r.cstring("parameter name");
    if (name === "") break;
    parameters[name] = r.cstring(`value of parameter "${name}"`);
  }
  r.end();
  return parameters;
}

// ---------------------------------------------------------------------------------------
// Type 'p' payloads: which one depends on the authentication exchange
// ---------------------------------------------------------------------------------------

function payloadReader(payload: Buffer, what: string): Reader {
  return new Reader().reset(payload, 0, what);
}

/** PasswordMessage: the cleartext password or the `md5…` hash. */
export function decodePasswordMessage(payload: Buffer): string {
  const r = payloadReader(payload, "PasswordMessage ('p')");
  const password = r.cstring("password");
  r.end();
  return password;
}

export interface SASLInitialResponse {
  readonly mechanism: string;
  /** The client-first-message (a view), or null when the client sent none. */
  readonly data: Buffer | null;
}

export function decodeSASLInitialResponse(payload: Buffer): SASLInitialResponse {
  const r = payloadReader(payload, "SASLInitialResponse ('p')");
  const mechanism = r.cstring("mechanism");
  const data = r.lengthPrefixed("initial response");
  r.end();
  return { mechanism, data };
}

/** SASLResponse: the whole payload is the mechanism's data. */
export function decodeSASLResponse(payload: Buffer): Buffer {
  return payload;
}
