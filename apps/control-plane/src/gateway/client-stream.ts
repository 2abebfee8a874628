// The CLI's ClientGateway.Connect call, as the gateway uses it.
import type { ServerDuplexStream } from "@grpc/grpc-js";
import { type ClientFrame, CloseCode, type GatewayFrame } from "@airlock/proto";
import { isWritable, writeMessage } from "../grpc/awaited-write";
import { FrameReader } from "../grpc/frame-reader";
import { sendChunked } from "./chunks";

export type ClientCall = ServerDuplexStream<ClientFrame, GatewayFrame>;

const dataFrame = (payload: Buffer): GatewayFrame => ({
  frame: { $case: "data", value: { payload } },
});

export class ClientStream {
  readonly frames: FrameReader<ClientFrame>;

  constructor(readonly call: ClientCall) {
    this.frames = new FrameReader<ClientFrame>(call);
  }

  get peer(): string {
    return this.call.getPeer();
  }

  /** Bytes toward the local client; a promise when the caller must wait (backpressure). */
  sendData(bytes: Buffer): Promise<void> | undefined {
    return sendChunked(this.call, bytes, dataFrame);
  }

  sendOpened(sessionId: string, connection: string): void {
    void writeMessage(this.call, {
      frame: { $case: "opened", value: { sessionId, connection } },
    })?.catch(() => undefined);
  }

  /** Ends the call; an abnormal end sends `close {code, reason}` first. Safe to call twice. */
  close(code: CloseCode, reason: string): void {
    this.frames.close();
    if (!isWritable(this.call)) return;
    if (code !== CloseCode.CLOSE_CODE_NORMAL) {
      void writeMessage(this.call, { frame: { $case: "close", value: { code, reason } } })?.catch(
        () => undefined,
      );
    }
    this.call.end();
  }
}
