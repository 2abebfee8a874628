// One authenticated Postgres connection, owned by one session. Without mask
// rules its output is the socket's bytes, unparsed (output.ts); with them, every
// byte goes through the masking stage (masking/), which also reads what the
// gateway writes, to know which result each row belongs to.

import { CloseCode } from "@airlock/proto";
import type { Logger } from "../../logger";
import { writeWithBackpressure } from "../../streams";
import type { OutputItem, SessionControl, TargetConnection } from "../engine";
import { SessionError } from "../session-error";
import type { BackendReader, ReadMessage } from "./backend-reader";
import { bytesFrom } from "./backend-reader";
import { MaskedOutput } from "./masking/masked-output";
import { MaskingStage, type MaskingStageOptions } from "./masking/masking-stage";
import { TargetOutput, type BackendKey } from "./output";
import type { Transport } from "./transport";

/** How long close() lets the socket flush (the client's Terminate) before destroying it. */
const CLOSE_GRACE_MS = 2_000;

export type Canceller = (key: BackendKey) => Promise<void>;

export class PostgresConnection implements TargetConnection {
  readonly remoteAddress: string;
  readonly output: AsyncIterable<OutputItem>;
  private readonly masking: MaskingStage | undefined;
  private key: BackendKey | undefined;
  private closed = false;

  constructor(
    private readonly transport: Transport,
    chunks: AsyncIterator<Buffer>,
    reader: BackendReader,
    authenticationOk: ReadMessage,
    private readonly canceller: Canceller,
    private readonly log: Logger,
    masking?: Omit<MaskingStageOptions, "onKey" | "log">,
  ) {
    this.remoteAddress = transport.remoteAddress;
    const onKey = (key: BackendKey): void => {
      this.key = key;
    };
    if (masking) {
      // The stage parses again from AuthenticationOk, startup messages included.
      reader.takePending();
      this.masking = new MaskingStage({ ...masking, onKey, log });
      this.output = new MaskedOutput(bytesFrom(authenticationOk), chunks, this.masking);
    } else {
      this.output = new TargetOutput(bytesFrom(authenticationOk), chunks, reader, onKey);
    }
  }

  write(chunk: Buffer): Promise<void> {
    if (this.masking) return this.writeMasked(this.masking, chunk);
    return writeWithBackpressure(this.transport.socket, chunk);
  }

  /**
   * Mask updates and COPY hints go to the masking stage. A session that opened
   * without rules is relayed unparsed, so rules cannot start applying at a
   * message boundary mid-stream: new rules end it instead (fail closed).
   */
  control(frame: SessionControl): void {
    if (this.masking) {
      this.masking.control(frame);
      return;
    }
    if (frame.$case === "maskUpdate" && frame.value.rules.length > 0) {
      throw new SessionError(
        CloseCode.CLOSE_CODE_PERMISSION_DENIED,
        "mask rules now apply to this session, which started without any and is relayed unparsed; the session was ended so that no unmasked result follows. Reconnect to continue with masked results",
      );
    }
  }

  private async writeMasked(masking: MaskingStage, chunk: Buffer): Promise<void> {
    // Before the bytes go: the target's answer may come back at once.
    masking.observeFrontend(chunk);
    await writeWithBackpressure(this.transport.socket, chunk);
  }

  /** Half-closes (what was written still reaches the server), then destroys after a grace. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.masking?.close();
    const { socket, tcp } = this.transport;
    const destroy = (): void => {
      clearTimeout(timer);
      socket.destroy();
      tcp.destroy();
    };
    const timer = setTimeout(destroy, CLOSE_GRACE_MS);
    timer.unref();
    socket.once("close", destroy);
    if (socket.destroyed) destroy();
    else socket.end();
  }

  async cancel(): Promise<void> {
    const key = this.key;
    if (!key) {
      this.log.debug("cancel asked before the target sent its backend key; ignored");
      return;
    }
    try {
      await this.canceller(key);
      this.log.debug("cancel request sent to the target");
    } catch (err) {
      this.log.debug({ err: errorText(err) }, "cancel request to the target failed");
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
