// Awaited writes: the one way the connector writes to a socket or a gRPC stream.
// A write that the stream cannot take yet (write() returned false) waits for
// `drain`, so a slow reader slows the writer instead of growing a buffer.

import type { Writable } from "node:stream";

/** The stream was closed (or ended) before the write could complete. */
export class StreamClosedError extends Error {
  constructor(message = "the stream is closed") {
    super(message);
    this.name = "StreamClosedError";
  }
}

export function isWritable(stream: Writable): boolean {
  return !stream.destroyed && !stream.writableEnded;
}

export function writeWithBackpressure<T>(stream: Writable, chunk: T): Promise<void> {
  if (!isWritable(stream)) return Promise.reject(new StreamClosedError());
  if (stream.write(chunk)) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      stream.off("drain", onDrain);
      stream.off("close", onClose);
      stream.off("error", onError);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onClose = (): void => {
      cleanup();
      reject(new StreamClosedError("the stream closed while a write was waiting"));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    stream.on("drain", onDrain);
    stream.on("close", onClose);
    stream.on("error", onError);
  });
}
