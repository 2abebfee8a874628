// The output of a masked session: the bytes from AuthenticationOk on (the head
// the login already read, then the socket's chunks) through the masking stage,
// one input chunk at a time. A chunk's items (usually one data chunk; counts
// split it) are handed out before the next chunk is read: not pulling is still
// the backpressure, and memory stays bounded by a chunk and the largest row.

import type { OutputItem } from "../../engine";
import type { MaskingStage } from "./masking-stage";

export class MaskedOutput implements AsyncIterableIterator<OutputItem> {
  private readonly head: Buffer[];
  private items: OutputItem[] = [];
  private index = 0;

  constructor(
    head: readonly Buffer[],
    private readonly chunks: AsyncIterator<Buffer>,
    private readonly stage: MaskingStage,
  ) {
    this.head = head.filter((chunk) => chunk.length > 0);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<OutputItem>> {
    for (;;) {
      if (this.index < this.items.length) {
        const value = this.items[this.index++] as OutputItem;
        return { done: false, value };
      }
      const head = this.head.shift();
      const read: IteratorResult<Buffer> = head
        ? { done: false, value: head }
        : await this.chunks.next();
      if (read.done) return { done: true, value: undefined };
      this.items = await this.stage.process(read.value);
      this.index = 0;
    }
  }
}
