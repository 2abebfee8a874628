// The connector's ConnectorTunnel.Session call for one session, after attach.
import type { ConnectorSessionFrame, GatewaySessionFrame } from "@airlock/proto";
import type { CloseCode } from "@airlock/proto";
import type { AttachedSession, SessionCall } from "../connectors/connectors.facade";
import { isWritable, writeMessage } from "../grpc/awaited-write";
import type { FrameReader } from "../grpc/frame-reader";
import { sendChunked } from "./chunks";

const dataFrame = (payload: Buffer): GatewaySessionFrame => ({
  frame: { $case: "data", value: { payload } },
});

export class TargetStream {
  readonly call: SessionCall;
  readonly frames: FrameReader<ConnectorSessionFrame>;

  constructor(attached: AttachedSession) {
    this.call = attached.call;
    this.frames = attached.frames;
  }

  /** Frontend bytes the gateway decided to forward; a promise when the caller must wait. */
  sendData(bytes: Buffer): Promise<void> | undefined {
    return sendChunked(this.call, bytes, dataFrame);
  }

  /** A control frame (mask update, COPY hint), in order with the data frames. */
  sendFrame(frame: GatewaySessionFrame): void {
    void writeMessage(this.call, frame)?.catch(() => undefined);
  }

  /** Asks the connector to cancel what the target is running for this session. */
  sendCancel(): void {
    void writeMessage(this.call, { frame: { $case: "cancel", value: {} } })?.catch(() => undefined);
  }

  /** Tells the connector to close (optionally) and ends the call. Safe to call twice. */
  close(close: { code: CloseCode; reason: string } | undefined): void {
    this.frames.close();
    if (!isWritable(this.call)) return;
    if (close !== undefined) {
      void writeMessage(this.call, { frame: { $case: "close", value: close } })?.catch(
        () => undefined,
      );
    }
    this.call.end();
  }
}
