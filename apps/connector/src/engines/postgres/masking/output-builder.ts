// The output of one input chunk: the messages kept as they are (runs of them
// stay views of the chunk: the whole chunk when nothing changed), rewritten
// messages, and masking counts between them. Bytes between two counts items
// become one Buffer, so a chunk yields one data frame unless stats split it.

import type { OutputItem } from "../../engine";

export class OutputBuilder {
  private readonly items: OutputItem[] = [];
  private parts: Buffer[] = [];
  /** The run of kept messages that lie next to each other in the chunk. */
  private runStart = -1;
  private runEnd = -1;

  constructor(private readonly chunk: Buffer) {}

  /** A message forwarded unchanged (its `raw`, a view of the chunk or a copy). */
  keep(raw: Buffer): void {
    const offset = this.offsetOf(raw);
    if (offset === undefined) {
      this.closeRun();
      this.parts.push(raw);
    } else if (this.runStart >= 0 && this.runEnd === offset) {
      this.runEnd += raw.length;
    } else {
      this.closeRun();
      this.runStart = offset;
      this.runEnd = offset + raw.length;
    }
  }

  /** A message rewritten (new bytes in place of the original). */
  replace(frame: Buffer): void {
    this.closeRun();
    this.parts.push(frame);
  }

  /** Counts to send before the bytes that follow. */
  stats(counts: Readonly<Record<string, number>>): void {
    this.flush();
    this.items.push({ maskStats: counts });
  }

  finish(): OutputItem[] {
    this.flush();
    return this.items;
  }

  /** Where `raw` sits in the chunk; undefined when it is not a view of it (a frame that spanned chunks). */
  private offsetOf(raw: Buffer): number | undefined {
    const chunk = this.chunk;
    if (raw.buffer !== chunk.buffer) return undefined;
    const offset = raw.byteOffset - chunk.byteOffset;
    return offset >= 0 && offset + raw.length <= chunk.length ? offset : undefined;
  }

  private closeRun(): void {
    if (this.runStart < 0) return;
    const whole = this.runStart === 0 && this.runEnd === this.chunk.length;
    this.parts.push(whole ? this.chunk : this.chunk.subarray(this.runStart, this.runEnd));
    this.runStart = -1;
  }

  private flush(): void {
    this.closeRun();
    if (this.parts.length === 0) return;
    this.items.push(
      this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts),
    );
    this.parts = [];
  }
}
