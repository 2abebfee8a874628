import { decodeBackend, decodeSslResponse, isBackendType } from "./backend";
import { Framer } from "./framer";
import { decodeStartupPacket, decodeTypedFrontend, isFrontendType } from "./frontend";
import {
  BackendMessage,
  DEFAULT_MAX_FRAME_BYTES,
  FrontendMessage,
  MAX_STARTUP_PACKET_BYTES,
  ParserOptions,
} from "./messages";
import { Reader } from "./reader";

export type ParserPhase = "startup" | "typed";

function maxFrameBytesOf(options: ParserOptions | undefined): number {
  const max = options?.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (!Number.isInteger(max) || max < 4) {
    throw new RangeError(`maxFrameBytes must be an integer >= 4, got ${max}`);
  }
  return max;
}

/**
 * Client → server. Starts in the startup phase (untyped packets): SSLRequest, GSSENCRequest
 * and CancelRequest keep it there; a StartupMessage switches it to typed messages.
 */
export class FrontendParser {
  private readonly framer: Framer;
  private readonly reader = new Reader();

  constructor(options?: ParserOptions) {
    const max = maxFrameBytesOf(options);
    const maxStartup = Math.min(max, MAX_STARTUP_PACKET_BYTES);
    this.framer = new Framer(max, maxStartup, "startup", isFrontendType);
  }

  /**
   * Emits every complete message in order; keeps the rest. Throws ProtocolError; after that
   * every call throws the same error. An exception from `onMessage` propagates and poisons
   * the parser the same way (the rest of the chunk is not read).
   */
  parse(chunk: Buffer, onMessage: (msg: FrontendMessage) => void): void {
    this.framer.push(chunk, (frame) => {
      const msg = this.decode(frame);
      if (msg.type === "startup") this.framer.mode = "typed";
      onMessage(msg);
    });
  }

  private decode(frame: Buffer): FrontendMessage {
    return this.framer.mode === "startup"
      ? decodeStartupPacket(frame, this.reader)
      : decodeTypedFrontend(frame, this.reader);
  }

  get phase(): ParserPhase {
    return this.framer.mode === "startup" ? "startup" : "typed";
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.framer.buffered;
  }
}

/** Server → client: typed messages, plus the one unframed SSL/GSS answer byte on request. */
export class BackendParser {
  private readonly framer: Framer;
  private readonly reader = new Reader();
  private readonly lazyDataRows: boolean;

  constructor(options?: ParserOptions) {
    this.framer = new Framer(maxFrameBytesOf(options), 0, "typed", isBackendType);
    this.lazyDataRows = options?.lazyDataRows ?? false;
  }

  /** As FrontendParser.parse. */
  parse(chunk: Buffer, onMessage: (msg: BackendMessage) => void): void {
    this.framer.push(chunk, (frame) => {
      if (this.framer.mode === "byte") {
        this.framer.mode = "typed";
        onMessage(decodeSslResponse(frame));
        return;
      }
      onMessage(decodeBackend(frame, this.reader, this.lazyDataRows));
    });
  }

  /**
   * The server answers SSLRequest/GSSENCRequest with one unframed byte ('S', 'N', 'G'):
   * call this before the next parse() and that byte is emitted as `sslResponse`.
   */
  expectSslResponse(): void {
    if (this.framer.buffered > 0) {
      throw new Error(
        `expectSslResponse() called with ${this.framer.buffered} bytes of a message buffered`,
      );
    }
    this.framer.mode = "byte";
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.framer.buffered;
  }
}
