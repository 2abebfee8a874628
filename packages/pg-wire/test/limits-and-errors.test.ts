import { describe, expect, it } from "vitest";
import {
  BackendParser,
  DEFAULT_MAX_FRAME_BYTES,
  FrontendParser,
  ProtocolError,
  ProtocolErrorCode,
} from "../src/index";
import * as bfx from "./fixtures/backend";
import { bytes } from "./fixtures/bytes";
import * as ffx from "./fixtures/frontend";
import { parseBackend, parseFrontend, STARTUP_PREFIX } from "./helpers";

/** The ProtocolError thrown by `fn`, failing the test if it throws nothing else. */
function caught(fn: () => void): ProtocolError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
  throw new Error("expected a ProtocolError");
}

function expectProtocolError(fn: () => void, code: ProtocolErrorCode, message: RegExp): void {
  const err = caught(fn);
  expect(err.code).toBe(code);
  expect(err.message).toMatch(message);
}

/** A typed frontend parser past its startup phase. */
function typedFrontend(maxFrameBytes?: number): FrontendParser {
  const parser = new FrontendParser({ maxFrameBytes });
  parser.parse(STARTUP_PREFIX, () => {});
  return parser;
}

describe("maximum frame size, checked at the header before buffering", () => {
  it("rejects a typed frame of maxFrameBytes + 1 after only its 5-byte header", () => {
    const parser = typedFrontend(100);
    const header = bytes("Q", 0, 0, 0, 101);
    expectProtocolError(
      () => parser.parse(header, () => {}),
      "frame_too_large",
      /^frame of 101 bytes exceeds the 100-byte limit \(message type 'Q'\)$/,
    );
    expect(parser.buffered).toBe(0);
  });

  it("rejects the header even when it arrives one byte at a time", () => {
    const parser = new BackendParser({ maxFrameBytes: 100 });
    const header = bytes("D", 0, 0, 0, 101);
    for (let i = 0; i < 4; i++) parser.parse(header.subarray(i, i + 1), () => {});
    expect(parser.buffered).toBe(4);
    expectProtocolError(() => parser.parse(header.subarray(4), () => {}), "frame_too_large", /101/);
    expect(parser.buffered).toBe(0);
  });

  it("accepts a frame of exactly maxFrameBytes", () => {
    // CopyData: length 100 = 4 + 96 bytes of data
    const frame = Buffer.concat([bytes("d", 0, 0, 0, 100), Buffer.alloc(96, 0x61)]);
    const frontend: string[] = [];
    typedFrontend(100).parse(frame, (m) => frontend.push(m.type));
    expect(frontend).toEqual(["copyData"]);
    expect(parseBackend([frame], { maxFrameBytes: 100 }).map((m) => m.type)).toEqual(["copyData"]);
  });

  it("defaults to 64 MiB and names both numbers", () => {
    expect(DEFAULT_MAX_FRAME_BYTES).toBe(67108864);
    const parser = typedFrontend();
    const header = Buffer.from([0x51, 0x04, 0x00, 0x00, 0x01]); // 'Q', 67108865
    expectProtocolError(
      () => parser.parse(header, () => {}),
      "frame_too_large",
      /frame of 67108865 bytes exceeds the 67108864-byte limit \(message type 'Q'\)/,
    );
  });

  it("rejects a 70 MB backend DataRow header with nothing buffered", () => {
    const parser = new BackendParser();
    const header = Buffer.alloc(5);
    header.write("D", 0, "latin1");
    header.writeInt32BE(70_000_000, 1);
    expectProtocolError(
      () => parser.parse(header, () => {}),
      "frame_too_large",
      /frame of 70000000 bytes exceeds the 67108864-byte limit \(message type 'D'\)/,
    );
    expect(parser.buffered).toBe(0);
  });

  it("refuses a maxFrameBytes below 4", () => {
    expect(() => new FrontendParser({ maxFrameBytes: 3 })).toThrow(RangeError);
  });
});

describe("startup packet limits", () => {
  it("rejects a length below 8 as malformed", () => {
    expectProtocolError(
      () => parseFrontend([bytes(0, 0, 0, 7, 0, 0, 0)]),
      "malformed",
      /invalid startup packet length 7/,
    );
  });

  it("rejects a length above 10 000 as too large, after the 4-byte header", () => {
    const parser = new FrontendParser();
    expectProtocolError(
      () => parser.parse(bytes(0, 0, 0x27, 0x11), () => {}), // 10001
      "frame_too_large",
      /startup packet of 10001 bytes exceeds the 10000-byte limit/,
    );
    expect(parser.buffered).toBe(0);
  });

  it("accepts a 10 000-byte startup packet", () => {
    // length 10000 = 8 + "user\0" (5) + value (9986 bytes incl. NUL) + final NUL (1)
    const value = "x".repeat(9985);
    const packet = Buffer.concat([
      bytes(0, 0, 0x27, 0x10, 0, 3, 0, 0, "user\0"),
      Buffer.from(value + "\0"),
      bytes(0),
    ]);
    const [msg] = parseFrontend([packet]);
    expect(msg?.type === "startup" && msg.parameters.user).toBe(value);
  });

  it("uses maxFrameBytes when it is smaller than 10 000", () => {
    expectProtocolError(
      () => parseFrontend([ffx.startup.bytes], { maxFrameBytes: 61 }),
      "frame_too_large",
      /startup packet of 62 bytes exceeds the 61-byte limit/,
    );
  });

  it.each([
    ["2.0", bytes(0, 0, 0, 9, 0, 2, 0, 0, 0), /unsupported frontend protocol 2\.0/],
    ["4.0", bytes(0, 0, 0, 9, 0, 4, 0, 0, 0), /unsupported frontend protocol 4\.0/],
    ["1234.5681", bytes(0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x31), /1234\.5681/], // after GSSENCRequest
  ])("rejects protocol %s as unsupported", (_v, packet, message) => {
    expectProtocolError(() => parseFrontend([packet]), "unsupported_protocol", message);
  });

  it("rejects a StartupMessage whose parameters lack the final terminator", () => {
    // length 18: 8 + "user\0" + "bob\0" + "x" (a name with no NUL)
    const packet = bytes(0, 0, 0, 18, 0, 3, 0, 0, "user\0", "bob\0", "x");
    expectProtocolError(() => parseFrontend([packet]), "malformed", /no NUL terminator/);
  });

  it("rejects bytes after the StartupMessage terminator", () => {
    const packet = bytes(0, 0, 0, 19, 0, 3, 0, 0, "user\0", "bob\0", 0, 0x41);
    expectProtocolError(() => parseFrontend([packet]), "malformed", /1 unexpected bytes/);
  });

  it("rejects an SSLRequest with a body", () => {
    const packet = bytes(0, 0, 0, 12, 0x04, 0xd2, 0x16, 0x2f, 0, 0, 0, 0);
    expectProtocolError(() => parseFrontend([packet]), "malformed", /SSLRequest.*4 unexpected/);
  });

  it("rejects a CancelRequest with a 2-byte key", () => {
    const packet = bytes(0, 0, 0, 14, 0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 1, 0xaa, 0xbb);
    expectProtocolError(() => parseFrontend([packet]), "malformed", /secret key of 2 bytes/);
  });
});

describe("malformed typed frames", () => {
  it.each([
    ["frontend", () => typedFrontend().parse(bytes("Q", 0, 0, 0, 3), () => {})],
    ["backend", () => parseBackend([bytes("Z", 0, 0, 0, 0)])],
  ])("rejects a length below 4 (%s)", (_side, fn) => {
    expectProtocolError(fn, "malformed", /invalid frame length (3|0)/);
  });

  const frontendCases: [string, Buffer, RegExp][] = [
    ["a Query whose string has no NUL", bytes("Q", 0, 0, 0, 7, "abc"), /Query.*no NUL/],
    [
      "a Bind announcing 65535 parameters in a 12-byte frame",
      bytes("B", 0, 0, 0, 12, 0, 0, 0, 0, 0xff, 0xff, 0, 0),
      /Bind.*parameter count 65535 needs at least 262140 bytes/,
    ],
    [
      "a Bind parameter longer than the frame",
      bytes("B", 0, 0, 0, 16, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9, 0x61, 0x62),
      /Bind.*parameter needs 9 bytes/,
    ],
    [
      "a Bind with 2 formats for 1 parameter",
      bytes("B", 0, 0, 0, 21, 0, 0, 0, 2, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0x61, 0, 0),
      /2 parameter formats for 1 parameters/,
    ],
    [
      "a Bind parameter with length -2",
      bytes("B", 0, 0, 0, 14, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe),
      /negative length -2/,
    ],
    [
      "a Parse announcing more parameter types than it holds",
      bytes("P", 0, 0, 0, 11, 0, "x\0", 0, 3, 0, 0),
      /parameter type count 3/,
    ],
    ["a Describe of target 'X'", bytes("D", 0, 0, 0, 6, "X", 0), /target must be 'S' or 'P'/],
    ["a Sync with a body", bytes("S", 0, 0, 0, 5, 0), /Sync.*1 unexpected bytes/],
    ["an Execute without its row limit", bytes("E", 0, 0, 0, 5, 0), /row limit needs 4 bytes/],
  ];

  it.each(frontendCases)("frontend: rejects %s", (_name, frame, message) => {
    expectProtocolError(() => typedFrontend().parse(frame, () => {}), "malformed", message);
  });

  const backendCases: [string, Buffer, RegExp][] = [
    [
      "a DataRow announcing more columns than the frame holds",
      bytes("D", 0, 0, 0, 10, 0, 5, 0, 0, 0, 0),
      /DataRow.*column count 5 needs at least 20 bytes/,
    ],
    [
      "a RowDescription announcing 2 fields with room for 1",
      bytes("T", 0, 0, 0, 26, 0, 2, "a\0", ...new Array<number>(18).fill(0)),
      /field count 2/,
    ],
    [
      "a RowDescription field name without its NUL",
      bytes("T", 0, 0, 0, 25, 0, 1, "abcdefghijklmnopqrs"),
      /RowDescription \('T'\): field name at offset 7 has no NUL terminator/,
    ],
    [
      "a RowDescription field whose fixed part is cut short",
      // 1 field: an 11-byte name, then 8 of the 18 fixed bytes
      bytes("T", 0, 0, 0, 25, 0, 1, "abcdefghij\0", ...new Array<number>(8).fill(0)),
      /type oid needs 4 bytes at offset 24, the frame has 2/,
    ],
    ["a ReadyForQuery status 'Q'", bytes("Z", 0, 0, 0, 5, "Q"), /status must be 'I', 'T' or 'E'/],
    ["an MD5 request without its salt", bytes("R", 0, 0, 0, 10, 0, 0, 0, 5, 1, 2), /salt/],
    ["an ErrorResponse without its terminator", bytes("E", 0, 0, 0, 9, "SBAD\0"), /field code/],
    ["a CopyOutResponse of format 2", bytes("H", 0, 0, 0, 7, 2, 0, 0), /copy format must be 0/],
    [
      "a NegotiateProtocolVersion with a negative option count",
      bytes("v", 0, 0, 0, 12, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff),
      /option count -1/,
    ],
    ["a BackendKeyData with a 2-byte key", bytes("K", 0, 0, 0, 10, 0, 0, 0, 1, 0, 0), /key/],
  ];

  it.each(backendCases)("backend: rejects %s", (_name, frame, message) => {
    expectProtocolError(() => parseBackend([frame]), "malformed", message);
  });
});

describe("unknown messages", () => {
  it("rejects an unknown frontend type byte as soon as it arrives, naming it", () => {
    const parser = typedFrontend();
    expectProtocolError(
      () => parser.parse(bytes("Z"), () => {}),
      "unknown_message",
      /unknown message type 'Z'/,
    );
    expect(parser.buffered).toBe(0);
  });

  it("names a non-printable type byte in hex", () => {
    expectProtocolError(
      () => parseBackend([bytes(0, 0, 0, 0, 4)]),
      "unknown_message",
      /unknown message type 0x00/,
    );
  });

  it("rejects a backend-only type byte from a client ('T')", () => {
    expectProtocolError(
      () => typedFrontend().parse(bfx.rowDescription.bytes, () => {}),
      "unknown_message",
      /'T'/,
    );
  });

  it("rejects a frontend-only type byte from a server ('Q')", () => {
    expectProtocolError(() => parseBackend([ffx.query.bytes]), "unknown_message", /'Q'/);
  });

  it("rejects an unknown authentication request code", () => {
    expectProtocolError(
      () => parseBackend([bytes("R", 0, 0, 0, 8, 0, 0, 0, 4)]),
      "unknown_message",
      /unknown authentication request code 4/,
    );
  });
});

describe("a protocol error poisons the parser", () => {
  it("frontend: later parse() calls throw the same error, even for valid bytes", () => {
    const parser = typedFrontend();
    const first = caught(() => parser.parse(bytes("Q", 0, 0, 0, 2), () => {}));
    const emitted: string[] = [];
    expect(() => parser.parse(ffx.sync.bytes, (m) => emitted.push(m.type))).toThrow(first);
    expect(caught(() => parser.parse(ffx.sync.bytes, () => {}))).toBe(first);
    expect(emitted).toEqual([]);
    expect(parser.buffered).toBe(0);
  });

  it("backend: later parse() calls throw the same error", () => {
    const parser = new BackendParser();
    const first = caught(() => parser.parse(bytes("x", 0, 0, 0, 4), () => {}));
    expect(caught(() => parser.parse(bfx.readyForQueryIdle.bytes, () => {}))).toBe(first);
  });

  it("messages before the bad frame in the same chunk are still emitted", () => {
    const parser = typedFrontend();
    const emitted: string[] = [];
    const chunk = Buffer.concat([ffx.sync.bytes, bytes("Q", 0, 0, 0, 1)]);
    expect(() => parser.parse(chunk, (m) => emitted.push(m.type))).toThrow(ProtocolError);
    expect(emitted).toEqual(["sync"]);
  });

  it("an exception from onMessage poisons it too, so no bytes are silently skipped", () => {
    const parser = typedFrontend();
    const boom = new Error("consumer failed");
    const chunk = Buffer.concat([ffx.sync.bytes, ffx.flush.bytes]);
    expect(() =>
      parser.parse(chunk, () => {
        throw boom;
      }),
    ).toThrow(boom);
    expect(() => parser.parse(ffx.sync.bytes, () => {})).toThrow(boom);
  });
});
