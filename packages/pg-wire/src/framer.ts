import { ProtocolError } from "./errors";

/**
 * How the next frame is delimited:
 * - `typed`: 1 type byte, int32 length (counting itself), body;
 * - `startup`: int32 length (counting itself), body — the client's first packets;
 * - `byte`: one unframed byte (the server's answer to SSLRequest / GSSENCRequest).
 */
export type FrameMode = "typed" | "startup" | "byte";

const TYPED_HEADER = 5;
const STARTUP_HEADER = 4;
/** Length + request code: the shortest startup-phase packet. */
const MIN_STARTUP_PACKET = 8;

/** Human-readable form of a type byte for error messages: `'Q'` or `0x00`. */
export function describeTypeByte(byte: number): string {
  const printable = byte >= 0x20 && byte < 0x7f;
  return printable ? `'${String.fromCharCode(byte)}'` : `0x${byte.toString(16).padStart(2, "0")}`;
}

/**
 * Splits a byte stream into whole frames. Checks each frame's length as soon as its header is
 * available, before buffering the body. A frame inside one chunk is emitted as a view of that
 * chunk; only a frame spanning chunks is copied, once, when its last byte arrives (pending
 * chunks are kept in a list until then). Any error poisons the framer.
 */
export class Framer {
  /** Read again before every frame, so `onFrame` may switch it for the next one. */
  mode: FrameMode;

  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Size of the frame being assembled from `pending`, or -1 while its header is incomplete. */
  private pendingFrameSize = -1;
  private error: unknown = undefined;
  private poisoned = false;

  /**
   * @param maxFrameBytes largest typed length field accepted
   * @param maxStartupBytes largest startup packet accepted
   * @param knownType typed mode: whether a type byte can start a frame (checked at the header)
   */
  constructor(
    private readonly maxFrameBytes: number,
    private readonly maxStartupBytes: number,
    initialMode: FrameMode,
    private readonly knownType: (byte: number) => boolean,
  ) {
    this.mode = initialMode;
  }

  get buffered(): number {
    return this.pendingBytes;
  }

  /** Emits every complete frame of `chunk` (after the pending bytes) and keeps the rest. */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    if (this.poisoned) throw this.error;
    try {
      this.split(chunk, onFrame);
    } catch (err) {
      this.poison(err);
      throw err;
    }
  }

  private poison(err: unknown): void {
    this.poisoned = true;
    this.error = err;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private split(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    let offset = 0;
    if (this.pendingBytes > 0) {
      offset = this.completePending(chunk, onFrame);
      if (offset < 0) return;
    }
    while (offset < chunk.length) {
      const size = this.frameSize(chunk, offset);
      if (size < 0 || size > chunk.length - offset) {
        this.keep(chunk.subarray(offset), size);
        return;
      }
      onFrame(chunk.subarray(offset, offset + size));
      offset += size;
    }
  }

  /** Keeps the start of a frame (a view; copied once the frame completes). */
  private keep(tail: Buffer, frameSize: number): void {
    this.pending.push(tail);
    this.pendingBytes = tail.length;
    this.pendingFrameSize = frameSize;
  }

  /**
   * Adds `chunk` to the pending frame. Returns how many bytes of `chunk` completed it (the
   * frame was emitted), or -1 when the frame still is not complete.
   */
  private completePending(chunk: Buffer, onFrame: (frame: Buffer) => void): number {
    const before = this.pendingBytes;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingFrameSize < 0) {
      this.pendingFrameSize = this.pendingHeaderSize();
      if (this.pendingFrameSize < 0) return -1;
    }
    const size = this.pendingFrameSize;
    if (this.pendingBytes < size) return -1;
    const frame = Buffer.concat(this.pending, size);
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingFrameSize = -1;
    onFrame(frame);
    return size - before;
  }

  /** The frame size from a header split over pending chunks, or -1 if still incomplete. */
  private pendingHeaderSize(): number {
    const headerSize = this.mode === "typed" ? TYPED_HEADER : STARTUP_HEADER;
    if (this.pendingBytes < headerSize) return -1;
    return this.frameSize(Buffer.concat(this.pending, headerSize), 0);
  }

  /** Size of the frame starting at `offset`, -1 if its header is incomplete; checks limits. */
  private frameSize(buf: Buffer, offset: number): number {
    const available = buf.length - offset;
    switch (this.mode) {
      case "byte":
        return 1;
      case "typed":
        if (available < 1) return -1;
        this.checkType(buf[offset] as number);
        return available < TYPED_HEADER ? -1 : this.typedSize(buf, offset);
      case "startup":
        return available < STARTUP_HEADER ? -1 : this.startupSize(buf.readInt32BE(offset));
    }
  }

  private checkType(byte: number): void {
    if (!this.knownType(byte)) {
      throw new ProtocolError("unknown_message", `unknown message type ${describeTypeByte(byte)}`);
    }
  }

  private typedSize(buf: Buffer, offset: number): number {
    const type = describeTypeByte(buf[offset] as number);
    const length = buf.readInt32BE(offset + 1);
    if (length < 4) {
      throw new ProtocolError(
        "malformed",
        `invalid frame length ${length} (message type ${type}): the length counts itself, so it is at least 4`,
      );
    }
    if (length > this.maxFrameBytes) {
      throw new ProtocolError(
        "frame_too_large",
        `frame of ${length} bytes exceeds the ${this.maxFrameBytes}-byte limit (message type ${type})`,
      );
    }
    return 1 + length;
  }

  private startupSize(length: number): number {
    if (length < MIN_STARTUP_PACKET) {
      throw new ProtocolError(
        "malformed",
        `invalid startup packet length ${length}: at least ${MIN_STARTUP_PACKET} bytes`,
      );
    }
    if (length > this.maxStartupBytes) {
      throw new ProtocolError(
        "frame_too_large",
        `startup packet of ${length} bytes exceeds the ${this.maxStartupBytes}-byte limit`,
      );
    }
    return length;
  }
}
