import { ProtocolError } from "./errors";

const EMPTY = Buffer.alloc(0);

/**
 * A bounds-checked cursor over one frame. Every read past the end of the frame, and every
 * count that announces more than the frame holds, throws ProtocolError("malformed") naming
 * the message (`what`) and the problem. One Reader is reused for every message of a parser.
 */
export class Reader {
  private buf: Buffer = EMPTY;
  private pos = 0;
  private what = "";

  /** Reads `buf` (one whole frame) from `start`; `what` names the message in errors. */
  reset(buf: Buffer, start: number, what: string): this {
    this.buf = buf;
    this.pos = start;
    this.what = what;
    return this;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  fail(problem: string): never {
    throw new ProtocolError("malformed", `malformed ${this.what}: ${problem}`);
  }

  private need(n: number, field: string): void {
    if (this.remaining < n) {
      this.fail(`${field} needs ${n} bytes at offset ${this.pos}, the frame has ${this.remaining}`);
    }
  }

  byte(field: string): number {
    this.need(1, field);
    return this.buf[this.pos++] as number;
  }

  int16(field: string): number {
    this.need(2, field);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(field: string): number {
    this.need(2, field);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(field: string): number {
    this.need(4, field);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(field: string): number {
    this.need(4, field);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A NUL-terminated UTF-8 string. */
  cstring(field: string): string {
    const nul = this.buf.indexOf(0, this.pos);
    if (nul < 0) this.fail(`${field} at offset ${this.pos} has no NUL terminator in the frame`);
    const s = this.buf.toString("utf8", this.pos, nul);
    this.pos = nul + 1;
    return s;
  }

  /** A view of the next `n` bytes. */
  bytes(n: number, field: string): Buffer {
    this.need(n, field);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A view of the rest of the frame. */
  rest(): Buffer {
    const v = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return v;
  }

  /** Moves to the end of the frame without reading (no view is made). */
  skipRest(): void {
    this.pos = this.buf.length;
  }

  /** An int32 length then that many bytes (a view); length -1 is NULL. */
  lengthPrefixed(field: string): Buffer | null {
    const len = this.int32(field);
    if (len === -1) return null;
    if (len < 0) this.fail(`${field} has negative length ${len}`);
    return this.bytes(len, field);
  }

  /**
   * An unsigned int16 count of elements taking at least `minBytes` each, checked against the
   * bytes left before anything is allocated for them.
   */
  count16(minBytes: number, field: string): number {
    const n = this.uint16(field);
    if (n * minBytes > this.remaining) {
      this.fail(
        `${field} ${n} needs at least ${n * minBytes} bytes, the frame has ${this.remaining}`,
      );
    }
    return n;
  }

  /** As count16, with an int32 count. */
  count32(minBytes: number, field: string): number {
    const n = this.int32(field);
    if (n < 0 || n * minBytes > this.remaining) {
      this.fail(`${field} ${n} does not fit the ${this.remaining} bytes left in the frame`);
    }
    return n;
  }

  /** Every message must be consumed exactly (Postgres: pq_getmsgend). */
  end(): void {
    if (this.remaining !== 0) this.fail(`${this.remaining} unexpected bytes at the end`);
  }
}
