// Postgres frames written out byte by byte for the masking tests, on purpose
// without pg-wire's encoders (STYLE.md rule 3): a fixture must not share a bug
// with the code under test. Layouts: protocol docs, "Message Formats".

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function cstring(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, "utf8"), Buffer.from([0])]);
}

/** Type byte, int32 length (counting itself), body. */
export function frame(type: string, ...body: Buffer[]): Buffer {
  const payload = Buffer.concat(body);
  return Buffer.concat([Buffer.from(type, "latin1"), int32(payload.length + 4), payload]);
}

export interface Field {
  readonly name: string;
  readonly tableOid?: number;
  readonly attnum?: number;
  /** Default 25 (text). */
  readonly typeOid?: number;
  readonly format?: number;
}

export const TEXT = 25;
export const INT4 = 23;

/** Server -> client. */
export const be = {
  authenticationOk: (): Buffer => frame("R", int32(0)),
  backendKeyData: (pid: number, key: number): Buffer => frame("K", uint32(pid), uint32(key)),
  parameterStatus: (name: string, value: string): Buffer =>
    frame("S", cstring(name), cstring(value)),
  readyForQuery: (status: "I" | "T" | "E" = "I"): Buffer => frame("Z", Buffer.from(status)),
  rowDescription: (fields: readonly Field[]): Buffer =>
    frame(
      "T",
      int16(fields.length),
      ...fields.map((f) =>
        Buffer.concat([
          cstring(f.name),
          uint32(f.tableOid ?? 0),
          int16(f.attnum ?? 0),
          uint32(f.typeOid ?? TEXT),
          int16(-1),
          int32(-1),
          int16(f.format ?? 0),
        ]),
      ),
    ),
  dataRow: (values: readonly (string | Buffer | null)[]): Buffer =>
    frame(
      "D",
      int16(values.length),
      ...values.map((v) => {
        if (v === null) return int32(-1);
        const bytes = typeof v === "string" ? Buffer.from(v, "utf8") : v;
        return Buffer.concat([int32(bytes.length), bytes]);
      }),
    ),
  commandComplete: (tag: string): Buffer => frame("C", cstring(tag)),
  emptyQueryResponse: (): Buffer => frame("I"),
  errorResponse: (message: string, code = "42P01"): Buffer =>
    frame(
      "E",
      Buffer.from("S"),
      cstring("ERROR"),
      Buffer.from("C"),
      cstring(code),
      Buffer.from("M"),
      cstring(message),
      Buffer.from([0]),
    ),
  noticeResponse: (message: string): Buffer =>
    frame(
      "N",
      Buffer.from("S"),
      cstring("NOTICE"),
      Buffer.from("C"),
      cstring("00000"),
      Buffer.from("M"),
      cstring(message),
      Buffer.from([0]),
    ),
  /** ErrorResponse ('E') or NoticeResponse ('N') with these fields (code, value), in order. */
  fields: (type: "E" | "N", fields: readonly (readonly [string, string])[]): Buffer =>
    frame(
      type,
      ...fields.map(([code, value]) =>
        Buffer.concat([Buffer.from(code, "latin1"), cstring(value)]),
      ),
      Buffer.from([0]),
    ),
  notificationResponse: (pid: number, channel: string, payload: string): Buffer =>
    frame("A", uint32(pid), cstring(channel), cstring(payload)),
  parseComplete: (): Buffer => frame("1"),
  bindComplete: (): Buffer => frame("2"),
  closeComplete: (): Buffer => frame("3"),
  noData: (): Buffer => frame("n"),
  portalSuspended: (): Buffer => frame("s"),
  parameterDescription: (oids: readonly number[]): Buffer =>
    frame("t", int16(oids.length), ...oids.map(uint32)),
  copyOutResponse: (format: 0 | 1, columns: number): Buffer =>
    frame(
      "H",
      Buffer.from([format]),
      int16(columns),
      ...Array.from({ length: columns }, () => int16(format)),
    ),
  copyInResponse: (columns: number): Buffer =>
    frame(
      "G",
      Buffer.from([0]),
      int16(columns),
      ...Array.from({ length: columns }, () => int16(0)),
    ),
  copyData: (data: string | Buffer): Buffer =>
    frame("d", typeof data === "string" ? Buffer.from(data, "utf8") : data),
  copyDone: (): Buffer => frame("c"),
};

/** Client -> server. */
export const fe = {
  query: (sql: string): Buffer => frame("Q", cstring(sql)),
  parse: (name: string, sql: string): Buffer => frame("P", cstring(name), cstring(sql), int16(0)),
  bind: (portal: string, statement: string, resultFormats: readonly number[] = []): Buffer =>
    frame(
      "B",
      cstring(portal),
      cstring(statement),
      int16(0),
      int16(0),
      int16(resultFormats.length),
      ...resultFormats.map(int16),
    ),
  describe: (target: "S" | "P", name: string): Buffer =>
    frame("D", Buffer.from(target), cstring(name)),
  execute: (portal: string, maxRows = 0): Buffer => frame("E", cstring(portal), int32(maxRows)),
  close: (target: "S" | "P", name: string): Buffer =>
    frame("C", Buffer.from(target), cstring(name)),
  sync: (): Buffer => frame("S"),
  flush: (): Buffer => frame("H"),
  copyData: (data: string): Buffer => frame("d", Buffer.from(data, "utf8")),
  copyDone: (): Buffer => frame("c"),
  copyFail: (message: string): Buffer => frame("f", cstring(message)),
};

/** The startup tail the stage sees first: AuthenticationOk … ReadyForQuery. */
export function startup(): Buffer {
  return Buffer.concat([
    be.authenticationOk(),
    be.parameterStatus("server_version", "16.0"),
    be.backendKeyData(4242, 0xdeadbeef),
    be.readyForQuery("I"),
  ]);
}
