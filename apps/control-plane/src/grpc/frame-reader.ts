// Pull-style reading of a gRPC stream's incoming messages: `next()` returns the
// next message only when the caller asks for it, so an unread stream stops
// reading from the network (grpc-js reads on demand) and the peer is slowed
// down by HTTP/2 flow control instead of filling our memory (STYLE rule 4).
import type { Readable } from "node:stream";

/** What nextWithin() returns when nothing arrived in time. */
export const TIMED_OUT: unique symbol = Symbol("timed out");

export class FrameReader<T> {
  private finished = false;
  private closed = false;
  private signal: Promise<void> | undefined;
  private fire: (() => void) | undefined;

  constructor(private readonly stream: Readable) {
    const finish = (): void => {
      this.finished = true;
      this.notify();
    };
    stream.on("readable", () => this.notify());
    stream.on("end", finish);
    stream.on("close", finish);
    stream.on("error", finish);
  }

  /** The next message, or undefined once the stream ended, failed, was cancelled or close()d. */
  async next(): Promise<T | undefined> {
    for (;;) {
      const value = this.tryNext();
      if (value !== undefined || this.done) return value;
      await this.changed();
    }
  }

  /** Like next(), but TIMED_OUT when nothing arrived within `ms` (nothing is consumed then). */
  async nextWithin(ms: number): Promise<T | undefined | typeof TIMED_OUT> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), ms);
    });
    try {
      for (;;) {
        const value = this.tryNext();
        if (value !== undefined || this.done) return value;
        if ((await Promise.race([this.changed(), expired])) === TIMED_OUT) return TIMED_OUT;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** A message that is already buffered, without waiting. */
  tryNext(): T | undefined {
    if (this.closed) return undefined;
    const value = this.stream.read() as T | null;
    return value === null ? undefined : value;
  }

  /** Stops reading: a pending and every later next() returns undefined. */
  close(): void {
    this.closed = true;
    this.notify();
  }

  /** True once the stream ended or failed, or close() was called. */
  get done(): boolean {
    return this.closed || this.finished;
  }

  private changed(): Promise<void> {
    this.signal ??= new Promise<void>((resolve) => (this.fire = resolve));
    return this.signal;
  }

  private notify(): void {
    const fire = this.fire;
    this.signal = undefined;
    this.fire = undefined;
    fire?.();
  }
}
