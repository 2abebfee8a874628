// The bytes toward the client, pulled one chunk at a time (not pulling is the
// backpressure: the socket stops reading). First the bytes from
// AuthenticationOk on that the login already read, then the socket's chunks.
// Until the startup's ReadyForQuery each chunk is also parsed, only to keep
// BackendKeyData for cancel; after it, `next()` is the socket's own iterator:
// no parsing, no copy on the hot path. Every byte passes unchanged.

import type { BackendKeyData, BackendMessage } from "@airlock/pg-wire";
import type { BackendReader } from "./backend-reader";

export interface BackendKey {
  readonly processId: number;
  /** A number for the 4-byte key of protocol 3.0, the bytes for a longer one. */
  readonly secretKey: number | Buffer;
}

export class TargetOutput implements AsyncIterableIterator<Buffer> {
  private readonly head: Buffer[];
  /** Until the startup's ReadyForQuery; then undefined, and nothing is parsed any more. */
  private reader: BackendReader | undefined;

  constructor(
    head: readonly Buffer[],
    private readonly chunks: AsyncIterator<Buffer>,
    reader: BackendReader,
    private readonly onKey: (key: BackendKey) => void,
  ) {
    this.head = head.filter((chunk) => chunk.length > 0);
    this.reader = reader;
    // Messages of the startup that arrived with AuthenticationOk were parsed already.
    for (const message of reader.takePending()) this.look(message);
    if (reader.startupDone) this.reader = undefined;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Buffer>> {
    const head = this.head.shift();
    if (head) return Promise.resolve({ done: false, value: head });
    if (!this.reader) return this.chunks.next();
    return this.chunks.next().then((read) => {
      if (!read.done) this.reader?.observe(read.value, (message) => this.look(message));
      if (this.reader?.startupDone) this.reader = undefined;
      return read;
    });
  }

  /** Watches the startup messages (the reader stops at ReadyForQuery) for the backend key. */
  private look(message: BackendMessage): void {
    if (message.type === "backendKeyData") this.onKey(keyOf(message));
  }
}

function keyOf(message: BackendKeyData): BackendKey {
  // Copy: the message is a view of a chunk the client side may hold on to.
  const secretKey =
    message.secretKeyBytes.length === 4 ? message.secretKey : Buffer.from(message.secretKeyBytes);
  return { processId: message.processId, secretKey };
}
