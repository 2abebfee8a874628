// Hand-written fast path for the four data-frame messages (ClientFrame, GatewayFrame,
// ConnectorSessionFrame, GatewaySessionFrame). Not generated: ./gen stays ts-proto's.
//
// ts-proto's decode copies every payload (`Buffer.from(reader.bytes())`) and its grpc-js
// serializers copy the encoded message once more (`Buffer.from(X.encode(v).finish())`).
// A `data` frame is just `<tag of data> <len> [0x0a <len> payload]`, so:
//   - encode writes those bytes into ONE buffer (header + payload.copy);
//   - decode returns the payload as a VIEW into the received buffer when the message is
//     exactly one `data` field holding exactly one `payload` field.
// Anything else (other oneof cases, unknown or repeated fields, malformed input) goes
// through the generated codec, so the wire format and semantics are unchanged.
//
// Zero-copy safety (checked in @grpc/grpc-js 1.14.7, build/src/stream-decoder.js): for
// every complete gRPC message, StreamDecoder.write assembles a NEW buffer with
// `Buffer.concat([compressFlag, sizePrefix, ...chunks], size + 5)`; the server side
// (server-interceptors.js decompressMessage) and the client side (compression-filter.js
// readMessage) then hand `subarray(5)` / `slice(5)` of it to the deserializer, and
// decompression (gzip/deflate) produces yet another fresh buffer. grpc-js never writes
// into that buffer again, so a payload view stays valid for as long as it is referenced.
// (Buffer.concat may carve a small message out of Node's shared allocation pool; pool
// slices are never handed out twice, so that is safe too — it only keeps the 8 KiB slab
// alive while the view lives, exactly as the copying decoder's pooled Buffer.from did.)
import {
  type ChannelCredentials,
  type ClientOptions,
  makeGenericClientConstructor,
} from "@grpc/grpc-js";
import type { BinaryWriter } from "@bufbuild/protobuf/wire";
import {
  ClientFrame,
  ClientGatewayService,
  type ClientGatewayClient,
  GatewayFrame,
} from "./gen/airlock/v1/gateway";
import {
  ConnectorSessionFrame,
  ConnectorTunnelService,
  type ConnectorTunnelClient,
  GatewaySessionFrame,
} from "./gen/airlock/v1/tunnel";

/** The generated message functions the fast path falls back to. */
interface GeneratedCodec<T> {
  encode(message: T): BinaryWriter;
  decode(input: Uint8Array): T;
}

/** A message whose `frame` oneof may be a `data: Chunk` case. */
interface DataFrameMessage {
  frame?: { $case: string; value: unknown } | undefined;
}

/** Chunk.payload is field 1, length-delimited: (1 << 3) | 2. */
const PAYLOAD_TAG = 0x0a;

function varintSize(n: number): number {
  let size = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(out: Buffer, pos: number, n: number): number {
  while (n > 0x7f) {
    out[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[pos++] = n;
  return pos;
}

/**
 * Reads a varint length at `pos` (at most 5 bytes, i.e. < 2^35). Returns the value and
 * the position after it, or undefined when the varint is truncated or too long.
 */
function readVarint(buf: Uint8Array, pos: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 5; i++) {
    if (pos >= buf.length) return undefined;
    const byte = buf[pos++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: pos };
    scale *= 128;
  }
  return undefined;
}

/** A Buffer view of `buf[start, end)` without copying, even if `buf` is a plain Uint8Array. */
function view(buf: Uint8Array, start: number, end: number): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start);
}

export interface DataFrameCodec<T> {
  readonly encode: (message: T) => Buffer;
  readonly decode: (buf: Uint8Array) => T;
}

/**
 * Builds the fast codec for a frame message whose oneof `data: Chunk` case has field
 * number `dataField`.
 */
function dataFrameCodec<T extends DataFrameMessage>(
  generated: GeneratedCodec<T>,
  dataField: number,
): DataFrameCodec<T> {
  const dataTag = (dataField << 3) | 2;
  if (dataTag > 0x7f) throw new Error("fast codec supports single-byte tags only");

  return {
    encode: (message: T): Buffer => {
      const frame = message.frame;
      if (frame?.$case !== "data") {
        return Buffer.from(generated.encode(message).finish());
      }
      const payload = (frame.value as { payload: Uint8Array }).payload;
      const n = payload.length;
      // Like the generated encoder, an empty payload (proto3 default) is not written.
      const inner = n === 0 ? 0 : 1 + varintSize(n) + n;
      const out = Buffer.allocUnsafe(1 + varintSize(inner) + inner);
      out[0] = dataTag;
      let pos = writeVarint(out, 1, inner);
      if (n !== 0) {
        out[pos++] = PAYLOAD_TAG;
        pos = writeVarint(out, pos, n);
        out.set(payload, pos);
      }
      return out;
    },

    decode: (buf: Uint8Array): T => {
      const fast = decodeData(buf, dataTag);
      if (fast !== undefined) {
        return { frame: { $case: "data", value: { payload: fast } } } as unknown as T;
      }
      return generated.decode(buf);
    },
  };
}

/**
 * The payload view when `buf` is exactly one `data` field (tag `dataTag`) that holds
 * either nothing or exactly one `payload` field; otherwise undefined.
 */
function decodeData(buf: Uint8Array, dataTag: number): Buffer | undefined {
  if (buf.length < 2 || buf[0] !== dataTag) return undefined;
  const outer = readVarint(buf, 1);
  if (outer === undefined || outer.next + outer.value !== buf.length) return undefined;
  if (outer.value === 0) return view(buf, buf.length, buf.length);
  if (buf[outer.next] !== PAYLOAD_TAG) return undefined;
  const len = readVarint(buf, outer.next + 1);
  if (len === undefined || len.next + len.value !== buf.length) return undefined;
  return view(buf, len.next, buf.length);
}

// Field numbers of each frame's `data` case, from proto/airlock/v1/*.proto.
export const ClientFrameCodec = dataFrameCodec<ClientFrame>(ClientFrame, 2);
export const GatewayFrameCodec = dataFrameCodec<GatewayFrame>(GatewayFrame, 2);
export const ConnectorSessionFrameCodec = dataFrameCodec<ConnectorSessionFrame>(
  ConnectorSessionFrame,
  3,
);
export const GatewaySessionFrameCodec = dataFrameCodec<GatewaySessionFrame>(GatewaySessionFrame, 1);

export const encodeClientFrame = ClientFrameCodec.encode;
export const decodeClientFrame = ClientFrameCodec.decode;
export const encodeGatewayFrame = GatewayFrameCodec.encode;
export const decodeGatewayFrame = GatewayFrameCodec.decode;
export const encodeConnectorSessionFrame = ConnectorSessionFrameCodec.encode;
export const decodeConnectorSessionFrame = ConnectorSessionFrameCodec.decode;
export const encodeGatewaySessionFrame = GatewaySessionFrameCodec.encode;
export const decodeGatewaySessionFrame = GatewaySessionFrameCodec.decode;

/** ClientGatewayService with the data-frame fast path as its (de)serializers. */
export const ClientGatewayFastService = {
  ...ClientGatewayService,
  connect: {
    ...ClientGatewayService.connect,
    requestSerialize: encodeClientFrame,
    requestDeserialize: (value: Buffer): ClientFrame => decodeClientFrame(value),
    responseSerialize: encodeGatewayFrame,
    responseDeserialize: (value: Buffer): GatewayFrame => decodeGatewayFrame(value),
  },
} as const;

/** ConnectorTunnelService with the data-frame fast path on the `session` stream. */
export const ConnectorTunnelFastService = {
  ...ConnectorTunnelService,
  session: {
    ...ConnectorTunnelService.session,
    requestSerialize: encodeConnectorSessionFrame,
    requestDeserialize: (value: Buffer): ConnectorSessionFrame =>
      decodeConnectorSessionFrame(value),
    responseSerialize: encodeGatewaySessionFrame,
    responseDeserialize: (value: Buffer): GatewaySessionFrame => decodeGatewaySessionFrame(value),
  },
} as const;

export const ClientGatewayFastClient = makeGenericClientConstructor(
  ClientGatewayFastService,
  "airlock.v1.ClientGateway",
) as unknown as {
  new (
    address: string,
    credentials: ChannelCredentials,
    options?: Partial<ClientOptions>,
  ): ClientGatewayClient;
  service: typeof ClientGatewayFastService;
  serviceName: string;
};

export const ConnectorTunnelFastClient = makeGenericClientConstructor(
  ConnectorTunnelFastService,
  "airlock.v1.ConnectorTunnel",
) as unknown as {
  new (
    address: string,
    credentials: ChannelCredentials,
    options?: Partial<ClientOptions>,
  ): ConnectorTunnelClient;
  service: typeof ConnectorTunnelFastService;
  serviceName: string;
};
