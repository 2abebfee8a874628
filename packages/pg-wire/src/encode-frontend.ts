import {
  CANCEL_REQUEST_CODE,
  DescribeTarget,
  GSSENC_REQUEST_CODE,
  PROTOCOL_VERSION_3_0,
  SSL_REQUEST_CODE,
} from "./messages";
import { Writer, cstringSize, lengthPrefixedSize, toBytes } from "./writer";

/**
 * Encoders for frontend (client → server) messages: what the connector's engine sends to the
 * target, and what tests use to play a client. One allocation per message.
 */

export function encodeStartupMessage(
  parameters: Record<string, string>,
  protocolVersion: number = PROTOCOL_VERSION_3_0,
): Buffer {
  const entries = Object.entries(parameters);
  let size = 4 + 1;
  for (const [k, v] of entries) size += cstringSize(k) + cstringSize(v);
  const w = Writer.untyped(size).int32(protocolVersion);
  for (const [k, v] of entries) w.cstring(k).cstring(v);
  return w.byte(0).finish();
}

export function encodeSSLRequest(): Buffer {
  return Writer.untyped(4).int32(SSL_REQUEST_CODE).finish();
}

export function encodeGSSENCRequest(): Buffer {
  return Writer.untyped(4).int32(GSSENC_REQUEST_CODE).finish();
}

/** A 4-byte key as an unsigned number, or the key's bytes (protocol 3.2 longer keys). */
export function encodeCancelRequest(processId: number, secretKey: number | Buffer): Buffer {
  const keySize = typeof secretKey === "number" ? 4 : secretKey.length;
  const w = Writer.untyped(8 + keySize)
    .int32(CANCEL_REQUEST_CODE)
    .uint32(processId);
  return (typeof secretKey === "number" ? w.uint32(secretKey) : w.bytes(secretKey)).finish();
}

/** Cleartext password, or the `md5…` hash string. */
export function encodePasswordMessage(password: string): Buffer {
  return Writer.typed("p", cstringSize(password)).cstring(password).finish();
}

export function encodeSASLInitialResponse(mechanism: string, data: Buffer | null): Buffer {
  const size = cstringSize(mechanism) + lengthPrefixedSize(data);
  return Writer.typed("p", size).cstring(mechanism).lengthPrefixed(data).finish();
}

export function encodeSASLResponse(data: Buffer): Buffer {
  return Writer.typed("p", data.length).bytes(data).finish();
}

export function encodeQuery(sql: string): Buffer {
  return Writer.typed("Q", cstringSize(sql)).cstring(sql).finish();
}

export function encodeParse(name: string, sql: string, paramTypes: readonly number[] = []): Buffer {
  const size = cstringSize(name) + cstringSize(sql) + 2 + 4 * paramTypes.length;
  const w = Writer.typed("P", size).cstring(name).cstring(sql).int16(paramTypes.length);
  for (const oid of paramTypes) w.uint32(oid);
  return w.finish();
}

/** Strings are sent as UTF-8 text; `null` is SQL NULL. Formats default to none (all text). */
export function encodeBind(
  portal: string,
  statement: string,
  params: readonly (Buffer | string | null)[],
  paramFormats: readonly number[] = [],
  resultFormats: readonly number[] = [],
): Buffer {
  const values = params.map(toBytes);
  let size = cstringSize(portal) + cstringSize(statement);
  size += 2 + 2 * paramFormats.length + 2 + 2 + 2 * resultFormats.length;
  for (const v of values) size += lengthPrefixedSize(v);
  const w = Writer.typed("B", size).cstring(portal).cstring(statement);
  w.int16(paramFormats.length);
  for (const f of paramFormats) w.int16(f);
  w.int16(values.length);
  for (const v of values) w.lengthPrefixed(v);
  w.int16(resultFormats.length);
  for (const f of resultFormats) w.int16(f);
  return w.finish();
}

function targetByte(target: DescribeTarget): number {
  return target === "statement" ? 0x53 : 0x50; // 'S' | 'P'
}

export function encodeDescribe(target: DescribeTarget, name: string): Buffer {
  return Writer.typed("D", 1 + cstringSize(name))
    .byte(targetByte(target))
    .cstring(name)
    .finish();
}

export function encodeExecute(portal: string, maxRows = 0): Buffer {
  return Writer.typed("E", cstringSize(portal) + 4)
    .cstring(portal)
    .int32(maxRows)
    .finish();
}

export function encodeSync(): Buffer {
  return Writer.typed("S", 0).finish();
}

export function encodeFlush(): Buffer {
  return Writer.typed("H", 0).finish();
}

export function encodeClose(target: DescribeTarget, name: string): Buffer {
  return Writer.typed("C", 1 + cstringSize(name))
    .byte(targetByte(target))
    .cstring(name)
    .finish();
}

export function encodeTerminate(): Buffer {
  return Writer.typed("X", 0).finish();
}

/** CopyData: the same frame in both directions. */
export function encodeCopyData(data: Buffer | string): Buffer {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return Writer.typed("d", bytes.length).bytes(bytes).finish();
}

/** CopyDone: the same frame in both directions. */
export function encodeCopyDone(): Buffer {
  return Writer.typed("c", 0).finish();
}

export function encodeCopyFail(message: string): Buffer {
  return Writer.typed("f", cstringSize(message)).cstring(message).finish();
}

export function encodeFunctionCall(
  oid: number,
  args: readonly (Buffer | string | null)[],
  argFormats: readonly number[] = [],
  resultFormat = 0,
): Buffer {
  const values = args.map(toBytes);
  let size = 4 + 2 + 2 * argFormats.length + 2 + 2;
  for (const v of values) size += lengthPrefixedSize(v);
  const w = Writer.typed("F", size).uint32(oid).int16(argFormats.length);
  for (const f of argFormats) w.int16(f);
  w.int16(values.length);
  for (const v of values) w.lengthPrefixed(v);
  return w.int16(resultFormat).finish();
}
