// Awaited writes to a gRPC stream (STYLE rule 4): when write() returns false the
// caller waits for `drain` before producing more, so a slow reader slows the
// writer down instead of growing a buffer.
import type { Writable } from "node:stream";

/** The stream closed before a write waiting for `drain` could complete. */
export class StreamClosed extends Error {
  constructor() {
    super("the stream closed while a write was waiting");
    this.name = "StreamClosed";
  }
}

export function isWritable(stream: Writable): boolean {
  return !stream.destroyed && !stream.writableEnded;
}

/**
 * Writes `message`; returns undefined when the stream can take more right away,
 * else a promise that settles on `drain` (rejects with StreamClosed if the stream
 * closes first). Writing to a closed stream is a no-op that returns undefined.
 */
export function writeMessage<T>(stream: Writable, message: T): Promise<void> | undefined {
  if (!isWritable(stream)) return undefined;
  if (stream.write(message)) return undefined;
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      stream.off("drain", onDrain);
      stream.off("close", onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onClose = (): void => {
      cleanup();
      reject(new StreamClosed());
    };
    stream.on("drain", onDrain);
    stream.on("close", onClose);
  });
}
