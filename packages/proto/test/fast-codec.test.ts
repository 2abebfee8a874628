import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import {
  ClientFrame,
  ClientFrameCodec,
  ClientGatewayFastService,
  ClientGatewayService,
  ConnectorSessionFrame,
  ConnectorSessionFrameCodec,
  ConnectorTunnelFastService,
  ConnectorTunnelService,
  type DataFrameCodec,
  GatewayFrame,
  GatewayFrameCodec,
  GatewaySessionFrame,
  GatewaySessionFrameCodec,
} from "../src/index";

interface Generated<T> {
  encode(message: T): BinaryWriter;
  decode(input: Uint8Array): T;
}

interface Case<T> {
  name: string;
  generated: Generated<T>;
  fast: DataFrameCodec<T>;
  dataField: number;
  others: T[];
}

const SIZES = [0, 1, 127, 128, 16383, 16384, 1024 * 1024];

function payloadOf(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
}

const close = { reason: "bye" };

const cases: Case<any>[] = [
  {
    name: "ClientFrame",
    generated: ClientFrame,
    fast: ClientFrameCodec,
    dataField: 2,
    others: [
      ClientFrame.fromPartial({
        frame: { $case: "open", value: { connection: "demo", protocol: "postgres" } },
      }),
      ClientFrame.fromPartial({ frame: { $case: "close", value: close } }),
      ClientFrame.fromPartial({}),
    ],
  },
  {
    name: "GatewayFrame",
    generated: GatewayFrame,
    fast: GatewayFrameCodec,
    dataField: 2,
    others: [
      GatewayFrame.fromPartial({
        frame: { $case: "opened", value: { sessionId: "s1", connection: "demo" } },
      }),
      GatewayFrame.fromPartial({ frame: { $case: "close", value: close } }),
      GatewayFrame.fromPartial({}),
    ],
  },
  {
    name: "ConnectorSessionFrame",
    generated: ConnectorSessionFrame,
    fast: ConnectorSessionFrameCodec,
    dataField: 3,
    others: [
      ConnectorSessionFrame.fromPartial({
        frame: { $case: "attach", value: { sessionId: "s1", attachToken: "x" } },
      }),
      ConnectorSessionFrame.fromPartial({
        frame: { $case: "opened", value: { remoteAddress: "10.0.0.1:5432" } },
      }),
      ConnectorSessionFrame.fromPartial({ frame: { $case: "close", value: close } }),
      ConnectorSessionFrame.fromPartial({}),
    ],
  },
  {
    name: "GatewaySessionFrame",
    generated: GatewaySessionFrame,
    fast: GatewaySessionFrameCodec,
    dataField: 1,
    others: [
      GatewaySessionFrame.fromPartial({ frame: { $case: "cancel", value: {} } }),
      GatewaySessionFrame.fromPartial({ frame: { $case: "close", value: close } }),
      GatewaySessionFrame.fromPartial({}),
    ],
  },
];

const generatedBytes = <T>(g: Generated<T>, m: T): Buffer => Buffer.from(g.encode(m).finish());
const dataFrame = (payload: Buffer) => ({ frame: { $case: "data", value: { payload } } });

/** Deep equality for data frames; compares payloads with Buffer.equals (fast for 1 MiB). */
function expectSameDataFrame(actual: any, expected: any): void {
  expect(Object.keys(actual)).toEqual(["frame"]);
  expect(Object.keys(actual.frame)).toEqual(["$case", "value"]);
  expect(actual.frame.$case).toBe("data");
  expect(expected.frame.$case).toBe("data");
  expect(Object.keys(actual.frame.value)).toEqual(["payload"]);
  const a: Buffer = actual.frame.value.payload;
  const b: Buffer = expected.frame.value.payload;
  expect(Buffer.isBuffer(a)).toBe(true);
  expect(a.length).toBe(b.length);
  expect(a.equals(b)).toBe(true);
}

describe.each(cases)("$name fast codec", (c) => {
  it.each(SIZES)("data frame of %i bytes: fast encode → generated decode", (size) => {
    const msg = dataFrame(payloadOf(size));
    const bytes = c.fast.encode(msg);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(bytes.equals(generatedBytes(c.generated, msg))).toBe(true);
    expectSameDataFrame(c.generated.decode(bytes), msg);
  });

  it.each(SIZES)("data frame of %i bytes: generated encode → fast decode", (size) => {
    const msg = dataFrame(payloadOf(size));
    const bytes = generatedBytes(c.generated, msg);
    const decoded = c.fast.decode(bytes);
    expectSameDataFrame(decoded, c.generated.decode(bytes));
    expectSameDataFrame(decoded, msg);
  });

  it("decodes data as a view into the received buffer (same ArrayBuffer, no copy)", () => {
    const bytes = c.fast.encode(dataFrame(payloadOf(300)));
    const payload: Buffer = c.fast.decode(bytes).frame.value.payload;
    expect(payload.buffer).toBe(bytes.buffer);
    expect(payload.byteOffset).toBe(bytes.byteOffset + bytes.length - 300);
    bytes[bytes.length - 1] = 0xee;
    expect(payload[299]).toBe(0xee);
  });

  it("decodes a view from a plain Uint8Array too", () => {
    const src = Buffer.from(c.fast.encode(dataFrame(payloadOf(50))));
    const u8 = new Uint8Array(src.buffer, src.byteOffset, src.length);
    const payload: Buffer = c.fast.decode(u8).frame.value.payload;
    expect(Buffer.isBuffer(payload)).toBe(true);
    expect(payload.buffer).toBe(u8.buffer);
    expect(payload.equals(payloadOf(50))).toBe(true);
  });

  it("non-data frames fall back to the generated codec in both directions", () => {
    for (const msg of c.others) {
      const bytes = c.fast.encode(msg);
      expect(bytes.equals(generatedBytes(c.generated, msg))).toBe(true);
      expect(c.fast.decode(bytes)).toEqual(c.generated.decode(bytes));
      expect(c.fast.decode(bytes)).toEqual(msg);
    }
  });

  it("a data frame with unknown extra fields falls back to the generated decoder", () => {
    const payload = payloadOf(20);
    // Unknown field 15 (varint) after the data field, at the top level.
    const top = new BinaryWriter();
    top.uint32((c.dataField << 3) | 2).bytes(Buffer.concat([Buffer.from([0x0a, 20]), payload]));
    top.uint32((15 << 3) | 0).uint32(42);
    const topBytes = Buffer.from(top.finish());
    expect(c.fast.decode(topBytes)).toEqual(c.generated.decode(topBytes));
    expect(c.fast.decode(topBytes)).toEqual(dataFrame(payload));

    // Unknown field inside the Chunk, after the payload.
    const inner = Buffer.concat([Buffer.from([0x0a, 20]), payload, Buffer.from([0x10, 0x01])]);
    const nested = new BinaryWriter();
    nested.uint32((c.dataField << 3) | 2).bytes(inner);
    const nestedBytes = Buffer.from(nested.finish());
    expect(c.fast.decode(nestedBytes)).toEqual(c.generated.decode(nestedBytes));
    expect(c.fast.decode(nestedBytes)).toEqual(dataFrame(payload));

    // Two data fields (last one wins) and a payload repeated inside the Chunk.
    const twice = Buffer.concat([
      topBytes.subarray(0, 2 + 2 + 20),
      topBytes.subarray(0, 2 + 2 + 20),
    ]);
    expect(c.fast.decode(twice)).toEqual(c.generated.decode(twice));
    const repeated = Buffer.from(
      new BinaryWriter()
        .uint32((c.dataField << 3) | 2)
        .bytes(Buffer.concat([Buffer.from([0x0a, 1, 9, 0x0a, 1, 8])]))
        .finish(),
    );
    expect(c.fast.decode(repeated)).toEqual(c.generated.decode(repeated));
    expect(c.fast.decode(repeated)).toEqual(dataFrame(Buffer.from([8])));
  });

  it("truncated input is left to the generated decoder (which rejects it)", () => {
    const bytes = c.fast.encode(dataFrame(payloadOf(200)));
    const cut = bytes.subarray(0, bytes.length - 1);
    expect(() => c.fast.decode(cut)).toThrow();
    expect(() => c.generated.decode(cut)).toThrow();
  });
});

describe("fast service definitions", () => {
  it("swap only the data-path serializers and keep the paths", () => {
    expect(ClientGatewayFastService.connect.path).toBe(ClientGatewayService.connect.path);
    expect(ClientGatewayFastService.connect.requestSerialize).not.toBe(
      ClientGatewayService.connect.requestSerialize,
    );
    expect(ConnectorTunnelFastService.session.path).toBe(ConnectorTunnelService.session.path);
    expect(ConnectorTunnelFastService.control).toBe(ConnectorTunnelService.control);
    const bytes = ConnectorTunnelFastService.session.requestSerialize(
      dataFrame(Buffer.from("hi")) as ConnectorSessionFrame,
    );
    expect(ConnectorTunnelService.session.requestDeserialize(bytes)).toEqual(
      dataFrame(Buffer.from("hi")),
    );
  });
});
