import { assertNever, ProtocolError } from "./errors";
import { describeTypeByte } from "./framer";
import {
  AuthenticationMessage,
  BackendKeyData,
  BackendMessage,
  CopyBothResponse,
  CopyInResponse,
  CopyOutResponse,
  DataRow,
  NegotiateProtocolVersion,
  NoticeFields,
  NotificationResponse,
  ParameterDescription,
  ReadyForQuery,
  RowDescription,
  RowDescriptionField,
  SslResponse,
} from "./messages";
import { noticeFieldName } from "./notice-fields";
import { Reader } from "./reader";

/** Backend message grammar (server → client). */

type BackendKind = Exclude<BackendMessage, AuthenticationMessage | SslResponse>["type"];
type TypedBackendKind = BackendKind | "authentication";

const TYPED_BACKEND: Readonly<Record<string, TypedBackendKind>> = {
  R: "authentication",
  S: "parameterStatus",
  K: "backendKeyData",
  Z: "readyForQuery",
  T: "rowDescription",
  D: "dataRow",
  C: "commandComplete",
  I: "emptyQueryResponse",
  E: "errorResponse",
  N: "noticeResponse",
  t: "parameterDescription",
  n: "noData",
  "1": "parseComplete",
  "2": "bindComplete",
  "3": "closeComplete",
  s: "portalSuspended",
  G: "copyInResponse",
  H: "copyOutResponse",
  W: "copyBothResponse",
  d: "copyData",
  c: "copyDone",
  A: "notificationResponse",
  v: "negotiateProtocolVersion",
  V: "functionCallResponse",
};

const KIND_BY_BYTE: readonly (TypedBackendKind | undefined)[] = Array.from(
  { length: 256 },
  (_, b) => TYPED_BACKEND[String.fromCharCode(b)],
);

/** Names used in error messages, e.g. `DataRow ('D')`. */
const WHAT: Readonly<Record<TypedBackendKind, string>> = {
  authentication: "Authentication ('R')",
  parameterStatus: "ParameterStatus ('S')",
  backendKeyData: "BackendKeyData ('K')",
  readyForQuery: "ReadyForQuery ('Z')",
  rowDescription: "RowDescription ('T')",
  dataRow: "DataRow ('D')",
  commandComplete: "CommandComplete ('C')",
  emptyQueryResponse: "EmptyQueryResponse ('I')",
  errorResponse: "ErrorResponse ('E')",
  noticeResponse: "NoticeResponse ('N')",
  parameterDescription: "ParameterDescription ('t')",
  noData: "NoData ('n')",
  parseComplete: "ParseComplete ('1')",
  bindComplete: "BindComplete ('2')",
  closeComplete: "CloseComplete ('3')",
  portalSuspended: "PortalSuspended ('s')",
  copyInResponse: "CopyInResponse ('G')",
  copyOutResponse: "CopyOutResponse ('H')",
  copyBothResponse: "CopyBothResponse ('W')",
  copyData: "CopyData ('d')",
  copyDone: "CopyDone ('c')",
  notificationResponse: "NotificationResponse ('A')",
  negotiateProtocolVersion: "NegotiateProtocolVersion ('v')",
  functionCallResponse: "FunctionCallResponse ('V')",
};

export function isBackendType(byte: number): boolean {
  return KIND_BY_BYTE[byte] !== undefined;
}

/** Decodes one typed frame (header included); the framer has checked its length. */
export function decodeBackend(raw: Buffer, r: Reader, lazyDataRows: boolean): BackendMessage {
  const kind = KIND_BY_BYTE[raw[0] as number];
  if (kind === undefined) {
    const type = describeTypeByte(raw[0] as number);
    throw new ProtocolError("unknown_message", `unknown backend message type ${type}`);
  }
  r.reset(raw, 5, WHAT[kind]);
  const msg = decodeBody(kind, raw, r, lazyDataRows);
  r.end();
  return msg;
}

function decodeBody(
  kind: TypedBackendKind,
  raw: Buffer,
  r: Reader,
  lazyDataRows: boolean,
): BackendMessage {
  switch (kind) {
    case "authentication":
      return decodeAuthentication(raw, r);
    case "parameterStatus":
      return { type: kind, raw, name: r.cstring("name"), value: r.cstring("value") };
    case "backendKeyData":
      return decodeBackendKeyData(raw, r);
    case "readyForQuery":
      return decodeReadyForQuery(raw, r);
    case "rowDescription":
      return decodeRowDescription(raw, r);
    case "dataRow":
      return lazyDataRows ? decodeLazyDataRow(raw, r) : decodeDataRow(raw, r);
    case "commandComplete":
      return { type: kind, raw, tag: r.cstring("command tag") };
    case "errorResponse":
    case "noticeResponse":
      return { type: kind, raw, fields: readNoticeFields(r) };
    case "parameterDescription":
      return decodeParameterDescription(raw, r);
    case "emptyQueryResponse":
    case "noData":
    case "parseComplete":
    case "bindComplete":
    case "closeComplete":
    case "portalSuspended":
    case "copyDone":
      return { type: kind, raw };
    case "copyInResponse":
    case "copyOutResponse":
    case "copyBothResponse":
      return decodeCopyResponse(kind, raw, r);
    case "copyData":
      return { type: kind, raw, data: r.rest() };
    case "notificationResponse":
      return decodeNotification(raw, r);
    case "negotiateProtocolVersion":
      return decodeNegotiateProtocolVersion(raw, r);
    case "functionCallResponse":
      return { type: kind, raw, value: r.lengthPrefixed("result value") };
    default:
      return assertNever(kind);
  }
}

function decodeAuthentication(raw: Buffer, r: Reader): AuthenticationMessage {
  const code = r.int32("authentication code");
  switch (code) {
    case 0:
      return { type: "authenticationOk", raw };
    case 2:
      return { type: "authenticationKerberosV5", raw };
    case 3:
      return { type: "authenticationCleartextPassword", raw };
    case 5:
      return { type: "authenticationMD5Password", raw, salt: r.bytes(4, "salt") };
    case 7:
      return { type: "authenticationGSS", raw };
    case 8:
      return { type: "authenticationGSSContinue", raw, data: r.rest() };
    case 9:
      return { type: "authenticationSSPI", raw };
    case 10:
      return { type: "authenticationSASL", raw, mechanisms: readSaslMechanisms(r) };
    case 11:
      return { type: "authenticationSASLContinue", raw, data: r.rest() };
    case 12:
      return { type: "authenticationSASLFinal", raw, data: r.rest() };
    default:
      throw new ProtocolError("unknown_message", `unknown authentication request code ${code}`);
  }
}

/** Mechanism names ended by an empty name. */
function readSaslMechanisms(r: Reader): string[] {
  const mechanisms: string[] = [];
  for (;;) {
    const name = r.cstring("SASL mechanism");
    if (name === "") return mechanisms;
    mechanisms.push(name);
  }
}

function decodeBackendKeyData(raw: Buffer, r: Reader): BackendKeyData {
  const processId = r.uint32("process id");
  const secretKeyBytes = r.rest();
  if (secretKeyBytes.length < 4) r.fail(`secret key of ${secretKeyBytes.length} bytes`);
  const secretKey = secretKeyBytes.length === 4 ? secretKeyBytes.readUInt32BE(0) : -1;
  return { type: "backendKeyData", raw, processId, secretKey, secretKeyBytes };
}

function decodeReadyForQuery(raw: Buffer, r: Reader): ReadyForQuery {
  const byte = r.byte("transaction status");
  if (byte === 0x49) return { type: "readyForQuery", raw, status: "I" };
  if (byte === 0x54) return { type: "readyForQuery", raw, status: "T" };
  if (byte === 0x45) return { type: "readyForQuery", raw, status: "E" };
  return r.fail(`transaction status must be 'I', 'T' or 'E', got ${describeTypeByte(byte)}`);
}

/** Bytes of a field after its name. */
const FIELD_FIXED_BYTES = 18;

function decodeRowDescription(raw: Buffer, r: Reader): RowDescription {
  const count = r.count16(1 + FIELD_FIXED_BYTES, "field count");
  const fields = new Array<RowDescriptionField>(count);
  for (let i = 0; i < count; i++) fields[i] = readField(r);
  return { type: "rowDescription", raw, fields };
}

function readField(r: Reader): RowDescriptionField {
  return {
    name: r.cstring("field name"),
    tableOid: r.uint32("table oid"),
    columnAttr: r.int16("column attribute number"),
    typeOid: r.uint32("type oid"),
    typeSize: r.int16("type size"),
    typeModifier: r.int32("type modifier"),
    format: r.int16("format code"),
  };
}

function decodeDataRow(raw: Buffer, r: Reader): DataRow {
  const columnCount = r.count16(4, "column count");
  const values: (Buffer | null)[] = [];
  for (let i = 0; i < columnCount; i++) values.push(r.lengthPrefixed("column value"));
  return { type: "dataRow", raw, columnCount, values };
}

/** Only the column count; the values are left unread until `decodeDataRowValues`. */
function decodeLazyDataRow(raw: Buffer, r: Reader): DataRow {
  const columnCount = r.count16(4, "column count");
  r.skipRest();
  return { type: "dataRow", raw, columnCount, values: undefined };
}

/** The values of a DataRow, decoding them from `raw` when the parser ran lazily. */
export function decodeDataRowValues(msg: DataRow): (Buffer | null)[] {
  if (msg.values !== undefined) return msg.values;
  const r = new Reader().reset(msg.raw, 5, "DataRow ('D')");
  const values = decodeDataRow(msg.raw, r).values ?? [];
  r.end();
  return values;
}

function readNoticeFields(r: Reader): NoticeFields {
  const fields: NoticeFields = { severity: "", code: "", message: "", other: {} };
  for (;;) {
    const code = r.byte("field code");
    if (code === 0) return fields;
    const value = r.cstring("field value");
    const name = noticeFieldName(code);
    if (name === undefined) fields.other[String.fromCharCode(code)] = value;
    else fields[name] = value;
  }
}

function decodeParameterDescription(raw: Buffer, r: Reader): ParameterDescription {
  const count = r.count16(4, "parameter count");
  const typeOids = new Array<number>(count);
  for (let i = 0; i < count; i++) typeOids[i] = r.uint32("parameter type oid");
  return { type: "parameterDescription", raw, typeOids };
}

function decodeCopyResponse(
  kind: "copyInResponse" | "copyOutResponse" | "copyBothResponse",
  raw: Buffer,
  r: Reader,
): CopyInResponse | CopyOutResponse | CopyBothResponse {
  const format = r.byte("copy format");
  if (format !== 0 && format !== 1) r.fail(`copy format must be 0 or 1, got ${format}`);
  const count = r.count16(2, "column count");
  const columnFormats = new Array<number>(count);
  for (let i = 0; i < count; i++) columnFormats[i] = r.int16("column format");
  return { type: kind, raw, format, columnFormats };
}

function decodeNotification(raw: Buffer, r: Reader): NotificationResponse {
  const processId = r.uint32("process id");
  const channel = r.cstring("channel");
  return { type: "notificationResponse", raw, processId, channel, payload: r.cstring("payload") };
}

function decodeNegotiateProtocolVersion(raw: Buffer, r: Reader): NegotiateProtocolVersion {
  const newestMinorVersion = r.int32("newest minor version");
  const count = r.count32(1, "unrecognized option count");
  const unrecognizedOptions = new Array<string>(count);
  for (let i = 0; i < count; i++) unrecognizedOptions[i] = r.cstring("option name");
  return { type: "negotiateProtocolVersion", raw, newestMinorVersion, unrecognizedOptions };
}

/** The byte answering SSLRequest/GSSENCRequest: 'S' or 'G' accepted, 'N' refused. */
export function decodeSslResponse(raw: Buffer): SslResponse {
  const byte = raw[0] as number;
  if (byte === 0x53) return { type: "sslResponse", raw, accepted: true, byte: "S" };
  if (byte === 0x47) return { type: "sslResponse", raw, accepted: true, byte: "G" };
  if (byte === 0x4e) return { type: "sslResponse", raw, accepted: false, byte: "N" };
  throw new ProtocolError(
    "malformed",
    `expected 'S', 'G' or 'N' answering SSLRequest/GSSENCRequest, got ${describeTypeByte(byte)}`,
  );
}
