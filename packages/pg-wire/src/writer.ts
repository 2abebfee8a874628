/**
 * Frame builder: the caller states the body size up front (`cstringSize`, `Buffer.byteLength`
 * …), so each message is exactly one allocation, and `finish()` checks the arithmetic.
 */
export class Writer {
  private readonly buf: Buffer;
  private pos = 0;

  /** A typed frame: type byte, int32 length (body + 4), then the body. */
  static typed(type: string, bodySize: number): Writer {
    const w = new Writer(5 + bodySize);
    return w.byte(type.charCodeAt(0)).int32(4 + bodySize);
  }

  /** An untyped startup-phase packet: int32 length (body + 4), then the body. */
  static untyped(bodySize: number): Writer {
    return new Writer(4 + bodySize).int32(4 + bodySize);
  }

  private constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  byte(value: number): this {
    this.buf[this.pos++] = value;
    return this;
  }

  int16(value: number): this {
    this.pos = this.buf.writeInt16BE(value, this.pos);
    return this;
  }

  int32(value: number): this {
    this.pos = this.buf.writeInt32BE(value, this.pos);
    return this;
  }

  uint32(value: number): this {
    this.pos = this.buf.writeUInt32BE(value, this.pos);
    return this;
  }

  /** UTF-8 text followed by a NUL byte; size it with `cstringSize`. */
  cstring(value: string): this {
    this.pos += this.buf.write(value, this.pos, "utf8");
    this.buf[this.pos++] = 0;
    return this;
  }

  bytes(value: Buffer): this {
    this.pos += value.copy(this.buf, this.pos);
    return this;
  }

  /** An int32 length then the bytes; `null` is written as length -1. */
  lengthPrefixed(value: Buffer | null): this {
    if (value === null) return this.int32(-1);
    return this.int32(value.length).bytes(value);
  }

  finish(): Buffer {
    if (this.pos !== this.buf.length) {
      throw new Error(`pg-wire writer: wrote ${this.pos} of ${this.buf.length} bytes`);
    }
    return this.buf;
  }
}

/** Bytes a cstring takes: its UTF-8 length plus the NUL. Refuses embedded NULs. */
export function cstringSize(value: string): number {
  if (value.includes("\0")) {
    throw new RangeError("a Postgres protocol string cannot contain a NUL character");
  }
  return Buffer.byteLength(value, "utf8") + 1;
}

/** Bytes an int32-length-prefixed value takes. */
export function lengthPrefixedSize(value: Buffer | null): number {
  return 4 + (value === null ? 0 : value.length);
}

/** Text parameters/values are sent as UTF-8 bytes. */
export function toBytes(value: Buffer | string | null): Buffer | null {
  return typeof value === "string" ? Buffer.from(value, "utf8") : value;
}
