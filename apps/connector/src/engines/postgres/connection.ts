// One authenticated Postgres connection, owned by one session.

import type { Logger } from "../../logger";
import { writeWithBackpressure } from "../../streams";
import type { TargetConnection } from "../engine";
import type { BackendReader, ReadMessage } from "./backend-reader";
import { bytesFrom } from "./backend-reader";
import { TargetOutput, type BackendKey } from "./output";
import type { Transport } from "./transport";

/** How long close() lets the socket flush (the client's Terminate) before destroying it. */
const CLOSE_GRACE_MS = 2_000;

export type Canceller = (key: BackendKey) => Promise<void>;

export class PostgresConnection implements TargetConnection {
  readonly remoteAddress: string;
  readonly output: TargetOutput;
  private key: BackendKey | undefined;
  private closed = false;

  constructor(
    private readonly transport: Transport,
    chunks: AsyncIterator<Buffer>,
    reader: BackendReader,
    authenticationOk: ReadMessage,
    private readonly canceller: Canceller,
    private readonly log: Logger,
  ) {
    this.remoteAddress = transport.remoteAddress;
    this.output = new TargetOutput(bytesFrom(authenticationOk), chunks, reader, (key) => {
      this.key = key;
    });
  }

  write(chunk: Buffer): Promise<void> {
    return writeWithBackpressure(this.transport.socket, chunk);
  }

  /** Half-closes (what was written still reaches the server), then destroys after a grace. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
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
