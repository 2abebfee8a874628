// Bytes on the data path: forwarded as views of what arrived whenever possible,
// split only when a run is larger than one gRPC message may be.
import type { Writable } from "node:stream";
import { writeMessage } from "../grpc/awaited-write";

/**
 * Largest payload per Chunk message. Well below the 4 MiB gRPC default that a peer
 * may still use for receiving, large enough that splitting is rare.
 */
export const MAX_CHUNK_BYTES = 1024 * 1024;

/**
 * Writes `bytes` as one message, or several when larger than MAX_CHUNK_BYTES.
 * Returns a promise only when the caller has to wait (backpressure or splitting).
 */
export function sendChunked<T>(
  stream: Writable,
  bytes: Buffer,
  frame: (payload: Buffer) => T,
): Promise<void> | undefined {
  if (bytes.length <= MAX_CHUNK_BYTES) return writeMessage(stream, frame(bytes));
  return (async () => {
    for (let offset = 0; offset < bytes.length; offset += MAX_CHUNK_BYTES) {
      const wait = writeMessage(stream, frame(bytes.subarray(offset, offset + MAX_CHUNK_BYTES)));
      if (wait !== undefined) await wait;
    }
  })();
}

/**
 * The bytes of consecutive frames as one buffer: a view when they lie back to back in
 * one underlying buffer (the common case: they arrived in one chunk), else a copy.
 */
export function joinRaws(raws: readonly { raw: Buffer }[]): Buffer {
  const first = raws[0];
  if (first === undefined) return Buffer.alloc(0);
  if (raws.length === 1) return first.raw;
  let contiguous = true;
  let total = first.raw.length;
  for (let i = 1; i < raws.length; i++) {
    const prev = (raws[i - 1] as { raw: Buffer }).raw;
    const cur = (raws[i] as { raw: Buffer }).raw;
    total += cur.length;
    if (cur.buffer !== prev.buffer || cur.byteOffset !== prev.byteOffset + prev.length) {
      contiguous = false;
    }
  }
  if (contiguous) return Buffer.from(first.raw.buffer, first.raw.byteOffset, total);
  return Buffer.concat(
    raws.map((m) => m.raw),
    total,
  );
}
