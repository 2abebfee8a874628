import { describe, expect, it } from "vitest";
import * as pg from "../src/index";
import * as bfx from "./fixtures/backend";
import * as ffx from "./fixtures/frontend";
import { parseBackend, parseFrontend, STARTUP_PREFIX, withoutRaw } from "./helpers";

/** The single backend message `frame` decodes to, without `raw`. */
function backendRoundTrip(frame: Buffer): unknown {
  const msgs = parseBackend([frame]);
  expect(msgs).toHaveLength(1);
  expect(msgs[0]!.raw).toEqual(frame);
  return withoutRaw(msgs[0]!);
}

/** The single frontend message `frame` decodes to (typed frames after a startup packet). */
function frontendRoundTrip(frame: Buffer, typed = true): unknown {
  const msgs = parseFrontend(typed ? [STARTUP_PREFIX, frame] : [frame]).slice(typed ? 1 : 0);
  expect(msgs).toHaveLength(1);
  expect(msgs[0]!.raw).toEqual(frame);
  return withoutRaw(msgs[0]!);
}

describe("encoders of what the gateway sends match the fixture bytes", () => {
  const fields = (f: typeof bfx.errorAllFields) => {
    if (f.expected.type !== "errorResponse" && f.expected.type !== "noticeResponse") {
      throw new Error("not a notice");
    }
    return f.expected.fields;
  };

  it("ErrorResponse with every field, V defaulting to the severity", () => {
    const { severityNonLocalized: _v, ...rest } = fields(bfx.errorAllFields);
    expect(pg.encodeErrorResponse(rest)).toEqual(bfx.errorAllFields.bytes);
  });

  it("ErrorResponse in the field order the real server uses", () => {
    for (const f of [bfx.errorDivisionByZero, bfx.errorUniqueViolation, bfx.errorInternalQuery]) {
      expect(pg.encodeErrorResponse(fields(f)), f.name).toEqual(f.bytes);
    }
  });

  it("NoticeResponse", () => {
    expect(pg.encodeNoticeResponse(fields(bfx.noticeResponse))).toEqual(bfx.noticeResponse.bytes);
  });

  it("ReadyForQuery I, T, E", () => {
    expect(pg.encodeReadyForQuery("I")).toEqual(bfx.readyForQueryIdle.bytes);
    expect(pg.encodeReadyForQuery("T")).toEqual(bfx.readyForQueryInTransaction.bytes);
    expect(pg.encodeReadyForQuery("E")).toEqual(bfx.readyForQueryFailed.bytes);
  });

  it("BackendKeyData with a key above 2^31, and a 32-byte key", () => {
    expect(pg.encodeBackendKeyData(9502, 0x90cdc589)).toEqual(bfx.backendKeyData.bytes);
    const long = bfx.backendKeyDataLongKey.bytes.subarray(9);
    expect(pg.encodeBackendKeyData(12345, long)).toEqual(bfx.backendKeyDataLongKey.bytes);
  });

  it("AuthenticationOk", () => {
    expect(pg.encodeAuthenticationOk()).toEqual(bfx.authenticationOk.bytes);
  });

  it("ParameterStatus", () => {
    expect(pg.encodeParameterStatus("server_version", "15.20 (Debian 15.20-0+deb12u1)")).toEqual(
      bfx.parameterStatus.bytes,
    );
    expect(pg.encodeParameterStatus("application_name", "")).toEqual(
      bfx.parameterStatusEmpty.bytes,
    );
  });

  it("the SSL answer byte", () => {
    expect(pg.encodeSslResponse(false)).toEqual(bfx.sslRefused);
    expect(pg.encodeSslResponse(true)).toEqual(bfx.sslAccepted);
  });

  it("CommandComplete, RowDescription, DataRow, EmptyQueryResponse", () => {
    expect(pg.encodeCommandComplete("SELECT 1")).toEqual(bfx.commandComplete.bytes);
    expect(
      pg.encodeRowDescription([
        { name: "a", typeOid: 23, typeSize: 4 },
        { name: "b", typeOid: 25 },
      ]),
    ).toEqual(bfx.rowDescription.bytes);
    expect(pg.encodeDataRow(["1", Buffer.from("x")])).toEqual(bfx.dataRow.bytes);
    expect(pg.encodeDataRow([null, ""])).toEqual(bfx.dataRowNullAndEmpty.bytes);
    expect(pg.encodeEmptyQueryResponse()).toEqual(bfx.emptyQueryResponse.bytes);
  });

  it("StartupMessage as psql sends it, and protocol 3.1", () => {
    const params = { user: "postgres", database: "postgres", application_name: "cap" };
    expect(pg.encodeStartupMessage(params)).toEqual(ffx.startup.bytes);
    const params31 = { user: "postgres", database: "postgres", "_pq_.foo": "bar" };
    expect(pg.encodeStartupMessage(params31, 196609)).toEqual(ffx.startup31.bytes);
  });

  it("CancelRequest with 4-byte keys (one above 2^31) and a 32-byte key", () => {
    expect(pg.encodeCancelRequest(9899, 0x06da1121)).toEqual(ffx.cancelRequest.bytes);
    expect(pg.encodeCancelRequest(7, 0xfedcba98)).toEqual(ffx.cancelRequestHighKey.bytes);
    const long = ffx.cancelRequestLongKey.bytes.subarray(12);
    expect(pg.encodeCancelRequest(0x1234, long)).toEqual(ffx.cancelRequestLongKey.bytes);
  });

  it("SSLRequest, GSSENCRequest", () => {
    expect(pg.encodeSSLRequest()).toEqual(ffx.sslRequest.bytes);
    expect(pg.encodeGSSENCRequest()).toEqual(ffx.gssEncRequest.bytes);
  });

  it("Query, including multi-byte UTF-8", () => {
    expect(pg.encodeQuery("select 1 as a, 'x' as b;")).toEqual(ffx.query.bytes);
    expect(pg.encodeQuery("select 'é€'")).toEqual(ffx.queryUtf8.bytes);
  });

  it("password and SASL messages", () => {
    expect(pg.encodePasswordMessage("secret")).toEqual(ffx.passwordCleartext.bytes);
    expect(
      pg.encodeSASLInitialResponse("SCRAM-SHA-256", Buffer.from(ffx.SCRAM_CLIENT_FIRST)),
    ).toEqual(ffx.saslInitialResponse.bytes);
    expect(pg.encodeSASLInitialResponse("SCRAM-SHA-256", null)).toEqual(
      ffx.saslInitialResponseNoData.bytes,
    );
    expect(pg.encodeSASLResponse(Buffer.from(ffx.SCRAM_CLIENT_FINAL))).toEqual(
      ffx.saslResponse.bytes,
    );
  });

  it("extended-protocol messages as node-postgres and the raw client sent them", () => {
    expect(pg.encodeParse("s2", "select $1::int4 as x", [23])).toEqual(ffx.parseNamed.bytes);
    expect(pg.encodeBind("", "s1", [null, Buffer.from([0xde, 0xad])], [0, 1], [0])).toEqual(
      ffx.bindNullAndBinary.bytes,
    );
    expect(pg.encodeBind("", "", [])).toEqual(ffx.bindEmpty.bytes);
    expect(pg.encodeDescribe("portal", "")).toEqual(ffx.describePortal.bytes);
    expect(pg.encodeDescribe("statement", "s2")).toEqual(ffx.describeStatement.bytes);
    expect(pg.encodeExecute("")).toEqual(ffx.execute.bytes);
    expect(pg.encodeExecute("", 2)).toEqual(ffx.executeLimited.bytes);
    expect(pg.encodeSync()).toEqual(ffx.sync.bytes);
    expect(pg.encodeFlush()).toEqual(ffx.flush.bytes);
    expect(pg.encodeClose("statement", "s2")).toEqual(ffx.closeStatement.bytes);
    expect(pg.encodeClose("portal", "p1")).toEqual(ffx.closePortal.bytes);
    expect(pg.encodeTerminate()).toEqual(ffx.terminate.bytes);
  });

  it("COPY and function-call messages", () => {
    expect(pg.encodeCopyData("2\tbb\n\\.\n")).toEqual(ffx.copyData.bytes);
    expect(pg.encodeCopyDone()).toEqual(ffx.copyDone.bytes);
    expect(pg.encodeCopyFail("client gave up")).toEqual(ffx.copyFail.bytes);
    expect(pg.encodeFunctionCall(1397, ["-5"], [0])).toEqual(ffx.functionCall.bytes);
    expect(pg.encodeFunctionCall(1397, [null], [], 1)).toEqual(ffx.functionCallNull.bytes);
  });
});

describe("every encoder's output parses back", () => {
  const backendCases: [string, Buffer, unknown][] = [
    [
      "ErrorResponse",
      pg.encodeErrorResponse({ severity: "ERROR", code: "42501", message: "denied by rule r1" }),
      {
        type: "errorResponse",
        fields: {
          severity: "ERROR",
          severityNonLocalized: "ERROR",
          code: "42501",
          message: "denied by rule r1",
          other: {},
        },
      },
    ],
    [
      "NoticeResponse with an explicit V and an unknown code",
      pg.encodeNoticeResponse({
        severity: "AVISO",
        severityNonLocalized: "NOTICE",
        code: "01000",
        message: "held for review",
        hint: "review 42",
        other: { Z: "extra" },
      }),
      {
        type: "noticeResponse",
        fields: {
          severity: "AVISO",
          severityNonLocalized: "NOTICE",
          code: "01000",
          message: "held for review",
          hint: "review 42",
          other: { Z: "extra" },
        },
      },
    ],
    ["ReadyForQuery", pg.encodeReadyForQuery("T"), { type: "readyForQuery", status: "T" }],
    ["AuthenticationOk", pg.encodeAuthenticationOk(), { type: "authenticationOk" }],
    [
      "AuthenticationCleartextPassword",
      pg.encodeAuthenticationCleartextPassword(),
      { type: "authenticationCleartextPassword" },
    ],
    [
      "AuthenticationMD5Password",
      pg.encodeAuthenticationMD5Password(Buffer.from([1, 2, 3, 4])),
      { type: "authenticationMD5Password", salt: Buffer.from([1, 2, 3, 4]) },
    ],
    [
      "AuthenticationSASL",
      pg.encodeAuthenticationSASL(["SCRAM-SHA-256"]),
      { type: "authenticationSASL", mechanisms: ["SCRAM-SHA-256"] },
    ],
    [
      "AuthenticationSASLContinue",
      pg.encodeAuthenticationSASLContinue(Buffer.from("r=abc")),
      { type: "authenticationSASLContinue", data: Buffer.from("r=abc") },
    ],
    [
      "AuthenticationSASLFinal",
      pg.encodeAuthenticationSASLFinal(Buffer.from("v=xyz")),
      { type: "authenticationSASLFinal", data: Buffer.from("v=xyz") },
    ],
    [
      "BackendKeyData",
      pg.encodeBackendKeyData(0xffffffff, 0),
      {
        type: "backendKeyData",
        processId: 0xffffffff,
        secretKey: 0,
        secretKeyBytes: Buffer.alloc(4),
      },
    ],
    [
      "ParameterStatus",
      pg.encodeParameterStatus("TimeZone", "Europe/Zürich"),
      { type: "parameterStatus", name: "TimeZone", value: "Europe/Zürich" },
    ],
    [
      "CommandComplete",
      pg.encodeCommandComplete("UPDATE 3"),
      { type: "commandComplete", tag: "UPDATE 3" },
    ],
    [
      "RowDescription with every property",
      pg.encodeRowDescription([
        {
          name: "ssn",
          tableOid: 16384,
          columnAttr: 3,
          typeOid: 1043,
          typeSize: -1,
          typeModifier: 15,
          format: 1,
        },
      ]),
      {
        type: "rowDescription",
        fields: [
          {
            name: "ssn",
            tableOid: 16384,
            columnAttr: 3,
            typeOid: 1043,
            typeSize: -1,
            typeModifier: 15,
            format: 1,
          },
        ],
      },
    ],
    [
      "DataRow",
      pg.encodeDataRow(["***", null, Buffer.from([0])]),
      {
        type: "dataRow",
        columnCount: 3,
        values: [Buffer.from("***"), null, Buffer.from([0])],
      },
    ],
    ["EmptyQueryResponse", pg.encodeEmptyQueryResponse(), { type: "emptyQueryResponse" }],
    ["ParseComplete", pg.encodeParseComplete(), { type: "parseComplete" }],
    ["BindComplete", pg.encodeBindComplete(), { type: "bindComplete" }],
    ["CloseComplete", pg.encodeCloseComplete(), { type: "closeComplete" }],
    ["NoData", pg.encodeNoData(), { type: "noData" }],
    [
      "CopyData",
      pg.encodeCopyData(Buffer.from("a,b\n")),
      { type: "copyData", data: Buffer.from("a,b\n") },
    ],
    ["CopyDone", pg.encodeCopyDone(), { type: "copyDone" }],
  ];

  it.each(backendCases)("backend: %s", (_name, frame, expected) => {
    expect(backendRoundTrip(frame)).toEqual(expected);
  });

  const frontendCases: [string, Buffer, unknown, boolean][] = [
    [
      "StartupMessage",
      pg.encodeStartupMessage({ user: "agent-7", database: "app", options: "-c x=1" }),
      {
        type: "startup",
        protocolVersion: 196608,
        parameters: { user: "agent-7", database: "app", options: "-c x=1" },
      },
      false,
    ],
    ["SSLRequest", pg.encodeSSLRequest(), { type: "sslRequest" }, false],
    ["GSSENCRequest", pg.encodeGSSENCRequest(), { type: "gssEncRequest" }, false],
    [
      "CancelRequest",
      pg.encodeCancelRequest(42, 0xdeadbeef),
      {
        type: "cancelRequest",
        processId: 42,
        secretKey: 0xdeadbeef,
        secretKeyBytes: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
      },
      false,
    ],
    ["Query", pg.encodeQuery("select ’quoted’"), { type: "query", sql: "select ’quoted’" }, true],
    [
      "Parse without types",
      pg.encodeParse("", "select 1"),
      { type: "parse", name: "", sql: "select 1", paramTypes: [] },
      true,
    ],
    [
      "Bind with text, NULL and binary",
      pg.encodeBind("p", "s", ["42", null, Buffer.from([1])], [0, 0, 1], [1]),
      {
        type: "bind",
        portal: "p",
        statement: "s",
        paramFormats: [0, 0, 1],
        params: [Buffer.from("42"), null, Buffer.from([1])],
        resultFormats: [1],
      },
      true,
    ],
    ["Execute", pg.encodeExecute("p", 10), { type: "execute", portal: "p", maxRows: 10 }, true],
    ["Sync", pg.encodeSync(), { type: "sync" }, true],
    ["Terminate", pg.encodeTerminate(), { type: "terminate" }, true],
    [
      "PasswordMessage",
      pg.encodePasswordMessage("pw"),
      { type: "passwordLike", payload: Buffer.from("pw\0") },
      true,
    ],
  ];

  it.each(frontendCases)("frontend: %s", (_name, frame, expected, typed) => {
    expect(frontendRoundTrip(frame, typed)).toEqual(expected);
  });
});

describe("encoders refuse what cannot be framed", () => {
  it("a string with a NUL character", () => {
    expect(() => pg.encodeQuery("select 1\0; drop table x")).toThrow(RangeError);
    expect(() => pg.encodeStartupMessage({ user: "a\0b" })).toThrow(RangeError);
    expect(() =>
      pg.encodeErrorResponse({ severity: "ERROR", code: "42501", message: "x\0" }),
    ).toThrow(RangeError);
  });

  it("an MD5 salt that is not 4 bytes", () => {
    expect(() => pg.encodeAuthenticationMD5Password(Buffer.alloc(3))).toThrow(RangeError);
  });

  it("a key or process id outside 0..2^32-1", () => {
    expect(() => pg.encodeBackendKeyData(-1, 1)).toThrow(RangeError);
    expect(() => pg.encodeCancelRequest(1, 2 ** 32)).toThrow(RangeError);
  });

  it("a notice field code longer than one byte", () => {
    const fields = { severity: "ERROR", code: "XX000", message: "m", other: { ZZ: "v" } };
    expect(() => pg.encodeErrorResponse(fields)).toThrow(RangeError);
  });
});

describe("decoders of type 'p' payloads", () => {
  const payloadOf = (f: typeof ffx.passwordCleartext): Buffer => {
    if (f.expected.type !== "passwordLike") throw new Error("not a 'p' fixture");
    return f.expected.payload;
  };

  it("PasswordMessage", () => {
    expect(pg.decodePasswordMessage(payloadOf(ffx.passwordCleartext))).toBe("secret");
    expect(pg.decodePasswordMessage(payloadOf(ffx.passwordMd5))).toBe(
      "md5a3556571e93b0d20722ba62be61e8c2d",
    );
  });

  it("SASLInitialResponse with and without data", () => {
    expect(pg.decodeSASLInitialResponse(payloadOf(ffx.saslInitialResponse))).toEqual({
      mechanism: "SCRAM-SHA-256",
      data: Buffer.from(ffx.SCRAM_CLIENT_FIRST),
    });
    expect(pg.decodeSASLInitialResponse(payloadOf(ffx.saslInitialResponseNoData))).toEqual({
      mechanism: "SCRAM-SHA-256",
      data: null,
    });
  });

  it("SASLResponse", () => {
    expect(pg.decodeSASLResponse(payloadOf(ffx.saslResponse))).toEqual(
      Buffer.from(ffx.SCRAM_CLIENT_FINAL),
    );
  });

  it("rejects a password without its NUL and an initial response cut short", () => {
    expect(() => pg.decodePasswordMessage(Buffer.from("secret"))).toThrow(/no NUL terminator/);
    const cut = Buffer.from("SCRAM-SHA-256\0\0\0\0\x09abc", "latin1");
    expect(() => pg.decodeSASLInitialResponse(cut)).toThrow(
      expect.objectContaining({ code: "malformed" }),
    );
  });

  it("rejects a cleartext password that is really a SASL message (bytes after the NUL)", () => {
    expect(() => pg.decodePasswordMessage(payloadOf(ffx.saslInitialResponse))).toThrow(
      /unexpected bytes/,
    );
  });
});

describe("SqlState", () => {
  it("holds the codes the gateway uses", () => {
    expect(pg.SqlState).toMatchObject({
      protocolViolation: "08P01",
      connectionFailure: "08006",
      insufficientPrivilege: "42501",
      adminShutdown: "57P01",
      queryCanceled: "57014",
      programLimitExceeded: "54000",
      systemError: "58000",
    });
  });
});
