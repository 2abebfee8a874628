// Reads the target's messages during the startup, one at a time, while keeping
// track of where each frame ends inside the chunk it arrived in. That position
// is what lets the engine hand on "every byte from AuthenticationOk on" without
// re-encoding and without losing what followed it in the same TCP read.
//
// After the startup's ReadyForQuery nobody parses any more: chunks pass as is.

import { BackendParser, type BackendMessage } from "@airlock/pg-wire";

export interface ReadMessage {
  readonly message: BackendMessage;
  /** The chunk whose bytes completed the frame. */
  readonly chunk: Buffer;
  /** Offset in `chunk` just past the end of the frame. */
  readonly end: number;
}

export class BackendReader {
  private readonly parser = new BackendParser();
  private readonly pending: ReadMessage[] = [];
  /** Bytes of all chunks parsed so far. */
  private fed = 0;
  /** Bytes of all frames emitted so far. */
  private consumed = 0;
  /**
   * The startup's ReadyForQuery went by: what follows it (even in the same
   * chunk) belongs to the relay, which never parses, so it is neither emitted
   * nor allowed to fail.
   */
  private ready = false;

  constructor(private readonly chunks: AsyncIterator<Buffer>) {}

  /** The next message; reads more when none is parsed yet. Undefined when the target closed. */
  async next(): Promise<ReadMessage | undefined> {
    for (;;) {
      const message = this.pending.shift();
      if (message) return message;
      if (this.ready) return undefined;
      const read = await this.chunks.next();
      if (read.done) return undefined;
      const fedBefore = this.fed;
      this.fed += read.value.length;
      this.parse(read.value, (message) => {
        this.consumed += message.raw.length;
        this.pending.push({ message, chunk: read.value, end: this.consumed - fedBefore });
      });
    }
  }

  /** Messages already parsed (from chunks already read) and not yet taken. */
  takePending(): BackendMessage[] {
    return this.pending.splice(0).map((read) => read.message);
  }

  /** Parses a chunk that is passed on unchanged anyway, only to look at its messages. */
  observe(chunk: Buffer, onMessage: (message: BackendMessage) => void): void {
    if (!this.ready) this.parse(chunk, onMessage);
  }

  get startupDone(): boolean {
    return this.ready;
  }

  private parse(chunk: Buffer, onMessage: (message: BackendMessage) => void): void {
    try {
      this.parser.parse(chunk, (message) => {
        if (this.ready) return;
        if (message.type === "readyForQuery") this.ready = true;
        onMessage(message);
      });
    } catch (err) {
      if (!this.ready) throw err;
    }
  }
}

/** The bytes from the start of `read`'s frame to the end of its chunk, as chunks to send. */
export function bytesFrom(read: ReadMessage): Buffer[] {
  const { message, chunk, end } = read;
  const start = end - message.raw.length;
  if (start >= 0) return [chunk.subarray(start)];
  // The frame began in an earlier chunk: its bytes are in `raw` (a copy).
  return end < chunk.length ? [message.raw, chunk.subarray(end)] : [message.raw];
}
