/**
 * The Postgres v3 messages as a discriminated union on `type`, one per direction.
 *
 * Every message carries `raw`: its whole frame, header included. It is a view of the chunk
 * passed to `parse()` when the frame arrived in one chunk (no copy), and a fresh buffer only
 * when the frame spanned chunks. A relay forwards `raw` as is. Buffers inside a message
 * (`data`, `values`, `params` …) are views of `raw`.
 */

interface Framed {
  /** The whole frame including its header: forward these bytes unchanged. */
  readonly raw: Buffer;
}

// ---------------------------------------------------------------------------------------
// Frontend (client → server)
// ---------------------------------------------------------------------------------------

/** Protocol 3.0: `196608`. A 3.x minor version is `196608 | minor`. */
export const PROTOCOL_VERSION_3_0 = 196608;
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;

export interface StartupMessage extends Framed {
  readonly type: "startup";
  /** `196608 | minor` (major 3 in the high 16 bits). */
  readonly protocolVersion: number;
  /** `user`, `database`, `options`, `application_name`, `replication`, `_pq_.*` … */
  readonly parameters: Record<string, string>;
}

export interface SSLRequest extends Framed {
  readonly type: "sslRequest";
}

export interface GSSENCRequest extends Framed {
  readonly type: "gssEncRequest";
}

export interface CancelRequest extends Framed {
  readonly type: "cancelRequest";
  /** Unsigned 32-bit, as BackendKeyData gave it. */
  readonly processId: number;
  /**
   * The key as an unsigned 32-bit number when it is 4 bytes long (protocol 3.0/3.1);
   * `-1` for any other length (protocol 3.2 allows up to 256 bytes): use `secretKeyBytes`.
   */
  readonly secretKey: number;
  /** The key's bytes, whatever their length (a view). */
  readonly secretKeyBytes: Buffer;
}

export interface Query extends Framed {
  readonly type: "query";
  readonly sql: string;
}

export interface Parse extends Framed {
  readonly type: "parse";
  /** Prepared-statement name; `""` is the unnamed statement. */
  readonly name: string;
  readonly sql: string;
  readonly paramTypes: number[];
}

export interface Bind extends Framed {
  readonly type: "bind";
  readonly portal: string;
  readonly statement: string;
  /** 0 text, 1 binary: none (all text), one (applies to all) or one per parameter. */
  readonly paramFormats: number[];
  /** Views of the parameter values; `null` is SQL NULL. */
  readonly params: (Buffer | null)[];
  readonly resultFormats: number[];
}

export type DescribeTarget = "statement" | "portal";

export interface Describe extends Framed {
  readonly type: "describe";
  readonly target: DescribeTarget;
  readonly name: string;
}

export interface Execute extends Framed {
  readonly type: "execute";
  readonly portal: string;
  /** 0 means no limit. */
  readonly maxRows: number;
}

export interface Sync extends Framed {
  readonly type: "sync";
}

export interface Flush extends Framed {
  readonly type: "flush";
}

export interface Close extends Framed {
  readonly type: "close";
  readonly target: DescribeTarget;
  readonly name: string;
}

/** CopyData, in either direction. */
export interface CopyData extends Framed {
  readonly type: "copyData";
  readonly data: Buffer;
}

/** CopyDone, in either direction. */
export interface CopyDone extends Framed {
  readonly type: "copyDone";
}

export interface CopyFail extends Framed {
  readonly type: "copyFail";
  readonly message: string;
}

export interface FunctionCall extends Framed {
  readonly type: "functionCall";
  readonly oid: number;
  readonly argFormats: number[];
  readonly args: (Buffer | null)[];
  readonly resultFormat: number;
}

export interface Terminate extends Framed {
  readonly type: "terminate";
}

/**
 * Type 'p': PasswordMessage, SASLInitialResponse, SASLResponse and GSSResponse share it; which
 * one it is depends on the authentication request the server sent. Decode `payload` with
 * `decodePasswordMessage`, `decodeSASLInitialResponse` or `decodeSASLResponse`.
 */
export interface PasswordLike extends Framed {
  readonly type: "passwordLike";
  /** The body after the 5-byte header (a view). */
  readonly payload: Buffer;
}

export type StartupPhaseMessage = StartupMessage | SSLRequest | GSSENCRequest | CancelRequest;

export type FrontendMessage =
  | StartupPhaseMessage
  | Query
  | Parse
  | Bind
  | Describe
  | Execute
  | Sync
  | Flush
  | Close
  | CopyData
  | CopyDone
  | CopyFail
  | FunctionCall
  | Terminate
  | PasswordLike;

export type FrontendMessageType = FrontendMessage["type"];

// ---------------------------------------------------------------------------------------
// Backend (server → client)
// ---------------------------------------------------------------------------------------

export interface AuthenticationOk extends Framed {
  readonly type: "authenticationOk";
}
export interface AuthenticationKerberosV5 extends Framed {
  readonly type: "authenticationKerberosV5";
}
export interface AuthenticationCleartextPassword extends Framed {
  readonly type: "authenticationCleartextPassword";
}
export interface AuthenticationMD5Password extends Framed {
  readonly type: "authenticationMD5Password";
  /** 4 bytes (a view). */
  readonly salt: Buffer;
}
export interface AuthenticationGSS extends Framed {
  readonly type: "authenticationGSS";
}
export interface AuthenticationGSSContinue extends Framed {
  readonly type: "authenticationGSSContinue";
  readonly data: Buffer;
}
export interface AuthenticationSSPI extends Framed {
  readonly type: "authenticationSSPI";
}
export interface AuthenticationSASL extends Framed {
  readonly type: "authenticationSASL";
  /** e.g. `["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]`. */
  readonly mechanisms: string[];
}
export interface AuthenticationSASLContinue extends Framed {
  readonly type: "authenticationSASLContinue";
  readonly data: Buffer;
}
export interface AuthenticationSASLFinal extends Framed {
  readonly type: "authenticationSASLFinal";
  readonly data: Buffer;
}

export type AuthenticationMessage =
  | AuthenticationOk
  | AuthenticationKerberosV5
  | AuthenticationCleartextPassword
  | AuthenticationMD5Password
  | AuthenticationGSS
  | AuthenticationGSSContinue
  | AuthenticationSSPI
  | AuthenticationSASL
  | AuthenticationSASLContinue
  | AuthenticationSASLFinal;

export interface ParameterStatus extends Framed {
  readonly type: "parameterStatus";
  readonly name: string;
  readonly value: string;
}

export interface BackendKeyData extends Framed {
  readonly type: "backendKeyData";
  /** Unsigned 32-bit. */
  readonly processId: number;
  /** Unsigned 32-bit key when 4 bytes long; `-1` otherwise (protocol 3.2): use `secretKeyBytes`. */
  readonly secretKey: number;
  readonly secretKeyBytes: Buffer;
}

export type TransactionStatus = "I" | "T" | "E";

export interface ReadyForQuery extends Framed {
  readonly type: "readyForQuery";
  /** I idle, T in a transaction block, E in a failed transaction block. */
  readonly status: TransactionStatus;
}

export interface RowDescriptionField {
  readonly name: string;
  /** 0 when the column is not a table column. */
  readonly tableOid: number;
  /** Attribute number of the column in its table; 0 when not a table column. */
  readonly columnAttr: number;
  readonly typeOid: number;
  /** pg_type.typlen: negative for variable-width types. */
  readonly typeSize: number;
  readonly typeModifier: number;
  /** 0 text, 1 binary. */
  readonly format: number;
}

export interface RowDescription extends Framed {
  readonly type: "rowDescription";
  readonly fields: RowDescriptionField[];
}

export interface DataRow extends Framed {
  readonly type: "dataRow";
  readonly columnCount: number;
  /**
   * Views of the column values, `null` for SQL NULL. `undefined` when the parser runs with
   * `lazyDataRows: true`; `decodeDataRowValues(msg)` decodes them on demand.
   */
  readonly values: (Buffer | null)[] | undefined;
}

export interface CommandComplete extends Framed {
  readonly type: "commandComplete";
  /** e.g. `SELECT 3`, `INSERT 0 1`, `UPDATE 2`. */
  readonly tag: string;
}

export interface EmptyQueryResponse extends Framed {
  readonly type: "emptyQueryResponse";
}

/**
 * The fields of ErrorResponse and NoticeResponse by name. Postgres always sends severity,
 * code and message; a missing one decodes as `""`. Codes this package does not know are kept
 * in `other`, keyed by their one-character code.
 */
export interface NoticeFields {
  /** S: ERROR, FATAL, PANIC, WARNING, NOTICE, DEBUG, INFO, LOG (possibly localized). */
  severity: string;
  /** V: the severity, never localized. */
  severityNonLocalized?: string;
  /** C: SQLSTATE. */
  code: string;
  /** M */
  message: string;
  /** D */
  detail?: string;
  /** H */
  hint?: string;
  /** P: 1-based character index into the query string, as decimal text. */
  position?: string;
  /** p */
  internalPosition?: string;
  /** q */
  internalQuery?: string;
  /** W */
  where?: string;
  /** s */
  schema?: string;
  /** t */
  table?: string;
  /** c */
  column?: string;
  /** d */
  dataType?: string;
  /** n */
  constraint?: string;
  /** F */
  file?: string;
  /** L */
  line?: string;
  /** R */
  routine?: string;
  /** Field codes not listed above. */
  other: Record<string, string>;
}

export interface ErrorResponse extends Framed {
  readonly type: "errorResponse";
  readonly fields: NoticeFields;
}

export interface NoticeResponse extends Framed {
  readonly type: "noticeResponse";
  readonly fields: NoticeFields;
}

export interface ParameterDescription extends Framed {
  readonly type: "parameterDescription";
  readonly typeOids: number[];
}

export interface NoData extends Framed {
  readonly type: "noData";
}
export interface ParseComplete extends Framed {
  readonly type: "parseComplete";
}
export interface BindComplete extends Framed {
  readonly type: "bindComplete";
}
export interface CloseComplete extends Framed {
  readonly type: "closeComplete";
}
export interface PortalSuspended extends Framed {
  readonly type: "portalSuspended";
}

export interface CopyResponseFields {
  /** 0 textual, 1 binary (overall COPY format). */
  readonly format: 0 | 1;
  readonly columnFormats: number[];
}

export interface CopyInResponse extends Framed, CopyResponseFields {
  readonly type: "copyInResponse";
}
export interface CopyOutResponse extends Framed, CopyResponseFields {
  readonly type: "copyOutResponse";
}
export interface CopyBothResponse extends Framed, CopyResponseFields {
  readonly type: "copyBothResponse";
}

export interface NotificationResponse extends Framed {
  readonly type: "notificationResponse";
  readonly processId: number;
  readonly channel: string;
  readonly payload: string;
}

export interface NegotiateProtocolVersion extends Framed {
  readonly type: "negotiateProtocolVersion";
  readonly newestMinorVersion: number;
  readonly unrecognizedOptions: string[];
}

export interface FunctionCallResponse extends Framed {
  readonly type: "functionCallResponse";
  readonly value: Buffer | null;
}

/** The single unframed byte answering SSLRequest / GSSENCRequest (see `expectSslResponse`). */
export interface SslResponse extends Framed {
  readonly type: "sslResponse";
  /** `S` (SSL) or `G` (GSS encryption) accepted; `N` refused. */
  readonly accepted: boolean;
  /** The byte itself: `"S"`, `"N"` or `"G"`. */
  readonly byte: "S" | "N" | "G";
}

export type BackendMessage =
  | AuthenticationMessage
  | ParameterStatus
  | BackendKeyData
  | ReadyForQuery
  | RowDescription
  | DataRow
  | CommandComplete
  | EmptyQueryResponse
  | ErrorResponse
  | NoticeResponse
  | ParameterDescription
  | NoData
  | ParseComplete
  | BindComplete
  | CloseComplete
  | PortalSuspended
  | CopyInResponse
  | CopyOutResponse
  | CopyBothResponse
  | CopyData
  | CopyDone
  | NotificationResponse
  | NegotiateProtocolVersion
  | FunctionCallResponse
  | SslResponse;

export type BackendMessageType = BackendMessage["type"];

/** Options for both parsers. */
export interface ParserOptions {
  /**
   * Largest accepted frame length (the int32 length field, which counts itself but not the
   * type byte). Checked as soon as the header arrives, before the body is buffered.
   * Default `DEFAULT_MAX_FRAME_BYTES` (64 MiB).
   */
  maxFrameBytes?: number;
  /**
   * BackendParser only: DataRow messages carry `columnCount` but leave `values` undefined,
   * so a relay that only counts rows pays nothing for the values. Default false.
   */
  lazyDataRows?: boolean;
}

export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** Postgres refuses startup packets longer than this (MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP_PACKET_BYTES = 10_000;
