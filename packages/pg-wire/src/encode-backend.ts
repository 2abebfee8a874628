import { RowDescriptionField, TransactionStatus, NoticeFields } from "./messages";
import { NOTICE_FIELD_CODES } from "./notice-fields";
import { Writer, cstringSize, lengthPrefixedSize, toBytes } from "./writer";

/**
 * Encoders for backend (server → client) messages: what the gateway itself sends to a client,
 * and what other packages' tests use to play a server. One allocation per message.
 */

/** The fields the gateway writes; severity, code and message are required. */
export type NoticeFieldsInput = Partial<NoticeFields> & {
  severity: string;
  code: string;
  message: string;
};

export function encodeErrorResponse(fields: NoticeFieldsInput): Buffer {
  return encodeNoticeLike("E", fields);
}

export function encodeNoticeResponse(fields: NoticeFieldsInput): Buffer {
  return encodeNoticeLike("N", fields);
}

function noticeEntries(fields: NoticeFieldsInput): [string, string][] {
  const withV = { ...fields, severityNonLocalized: fields.severityNonLocalized ?? fields.severity };
  const entries: [string, string][] = [];
  for (const [code, name] of NOTICE_FIELD_CODES) {
    const value = withV[name];
    if (value !== undefined) entries.push([code, value]);
  }
  for (const [code, value] of Object.entries(fields.other ?? {})) {
    if (code.length !== 1) throw new RangeError(`notice field code '${code}' is not one byte`);
    entries.push([code, value]);
  }
  return entries;
}

function encodeNoticeLike(type: "E" | "N", fields: NoticeFieldsInput): Buffer {
  const entries = noticeEntries(fields);
  let size = 1;
  for (const [, value] of entries) size += 1 + cstringSize(value);
  const w = Writer.typed(type, size);
  for (const [code, value] of entries) w.byte(code.charCodeAt(0)).cstring(value);
  return w.byte(0).finish();
}

export function encodeReadyForQuery(status: TransactionStatus): Buffer {
  return Writer.typed("Z", 1).byte(status.charCodeAt(0)).finish();
}

function encodeAuthentication(code: number, extra?: Buffer): Buffer {
  const w = Writer.typed("R", 4 + (extra?.length ?? 0)).int32(code);
  return (extra ? w.bytes(extra) : w).finish();
}

export function encodeAuthenticationOk(): Buffer {
  return encodeAuthentication(0);
}

export function encodeAuthenticationCleartextPassword(): Buffer {
  return encodeAuthentication(3);
}

export function encodeAuthenticationMD5Password(salt: Buffer): Buffer {
  if (salt.length !== 4) throw new RangeError(`an MD5 salt is 4 bytes, not ${salt.length}`);
  return encodeAuthentication(5, salt);
}

export function encodeAuthenticationSASL(mechanisms: readonly string[]): Buffer {
  let size = 4 + 1;
  for (const m of mechanisms) size += cstringSize(m);
  const w = Writer.typed("R", size).int32(10);
  for (const m of mechanisms) w.cstring(m);
  return w.byte(0).finish();
}

export function encodeAuthenticationSASLContinue(data: Buffer): Buffer {
  return encodeAuthentication(11, data);
}

export function encodeAuthenticationSASLFinal(data: Buffer): Buffer {
  return encodeAuthentication(12, data);
}

/** A 4-byte (protocol 3.0) key as an unsigned number, or the key's bytes (protocol 3.2). */
export function encodeBackendKeyData(processId: number, secretKey: number | Buffer): Buffer {
  const keySize = typeof secretKey === "number" ? 4 : secretKey.length;
  const w = Writer.typed("K", 4 + keySize).uint32(processId);
  return (typeof secretKey === "number" ? w.uint32(secretKey) : w.bytes(secretKey)).finish();
}

export function encodeParameterStatus(name: string, value: string): Buffer {
  return Writer.typed("S", cstringSize(name) + cstringSize(value))
    .cstring(name)
    .cstring(value)
    .finish();
}

/** The single unframed answer to SSLRequest: `S` (go ahead with TLS) or `N`. */
export function encodeSslResponse(accepted: boolean): Buffer {
  return Buffer.from(accepted ? "S" : "N", "latin1");
}

export function encodeCommandComplete(tag: string): Buffer {
  return Writer.typed("C", cstringSize(tag)).cstring(tag).finish();
}

/** A RowDescription field: only `name` is required (defaults: a text column, not a table's). */
export type RowDescriptionFieldInput = Pick<RowDescriptionField, "name"> &
  Partial<Omit<RowDescriptionField, "name">>;

export function encodeRowDescription(fields: readonly RowDescriptionFieldInput[]): Buffer {
  let size = 2;
  for (const f of fields) size += cstringSize(f.name) + 18;
  const w = Writer.typed("T", size).int16(fields.length);
  for (const f of fields) {
    w.cstring(f.name)
      .int32(f.tableOid ?? 0)
      .int16(f.columnAttr ?? 0)
      .int32(f.typeOid ?? 25)
      .int16(f.typeSize ?? -1)
      .int32(f.typeModifier ?? -1)
      .int16(f.format ?? 0);
  }
  return w.finish();
}

/** Strings are written as UTF-8 text; `null` is SQL NULL. */
export function encodeDataRow(values: readonly (Buffer | string | null)[]): Buffer {
  const bytes = values.map(toBytes);
  let size = 2;
  for (const b of bytes) size += lengthPrefixedSize(b);
  const w = Writer.typed("D", size).int16(bytes.length);
  for (const b of bytes) w.lengthPrefixed(b);
  return w.finish();
}

export function encodeEmptyQueryResponse(): Buffer {
  return Writer.typed("I", 0).finish();
}

export function encodeParseComplete(): Buffer {
  return Writer.typed("1", 0).finish();
}

export function encodeBindComplete(): Buffer {
  return Writer.typed("2", 0).finish();
}

export function encodeCloseComplete(): Buffer {
  return Writer.typed("3", 0).finish();
}

export function encodeNoData(): Buffer {
  return Writer.typed("n", 0).finish();
}
