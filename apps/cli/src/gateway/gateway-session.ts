import type { Socket } from "node:net";
import {
  type ClientDuplexStream,
  type Metadata,
  status as Status,
  type StatusObject,
} from "@grpc/grpc-js";
import {
  type ClientFrame,
  type ClientGatewayClient,
  type CloseCode,
  type GatewayFrame,
} from "@airlock/proto";
import { assertNever } from "../assert-never";

/** What the first frame of every call says. */
export interface SessionSpec {
  readonly connection: string;
  readonly protocol: string;
  readonly clientVersion: string;
  /** `--reason`: the justification review rules may require. */
  readonly justification?: string;
  /** `exec --review <id>`: run this approved review's command. */
  readonly reviewId?: string;
}

/** How one local connection ended, for the one-line log and for `airlock exec`. */
export interface SessionEnd {
  /** From the gateway's `opened` frame; undefined when it never opened a session. */
  readonly sessionId: string | undefined;
  /** The gateway's close reason, else what ended the session. */
  readonly reason: string;
  /** A readable line when the call ended with a gRPC error this CLI did not cause. */
  readonly failure: string | undefined;
  /** The gateway's close code when it sent a `close` frame. */
  readonly closeCode: CloseCode | undefined;
}

export interface SessionHooks {
  opened(sessionId: string): void;
  /** Turns a gRPC error status into a line for the person at the terminal. */
  describeFailure(status: StatusObject): string;
}

/** How long one side may stay open after the other has finished, before it is forced shut. */
const LINGER_MS = 10_000;

/**
 * One local TCP connection relayed over one `ClientGateway.Connect` call: an `open` frame,
 * then bytes both ways as `data` frames, with backpressure in both directions (a full call
 * pauses the socket, a full socket pauses the call). The CLI never looks inside the bytes.
 *
 * Ends: a `close` frame or the end of the call ends the socket; the socket's end (or error)
 * half-closes the call and nothing more is sent. `done` resolves once both are over.
 */
export class GatewaySession {
  readonly done: Promise<SessionEnd>;
  private readonly call: ClientDuplexStream<ClientFrame, GatewayFrame>;
  private readonly callFinished: Promise<void>;
  private sessionId: string | undefined;
  private closeReason: string | undefined;
  private closeCode: CloseCode | undefined;
  private failure: string | undefined;
  private clientEndedFirst = false;
  private callHalfClosed = false;
  private callDone = false;
  private socketClosed = false;
  private stoppedByUs = false;
  private lingerTimer: NodeJS.Timeout | undefined;
  private resolveDone!: (end: SessionEnd) => void;
  private resolveCallFinished!: () => void;

  constructor(
    private readonly socket: Socket,
    client: ClientGatewayClient,
    metadata: Metadata,
    spec: SessionSpec,
    private readonly hooks: SessionHooks,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.callFinished = new Promise((resolve) => (this.resolveCallFinished = resolve));
    this.call = client.connect(metadata);
    // The status event carries every failure; this listener only keeps `error` from throwing.
    this.call.on("error", () => undefined);
    this.call.on("data", (frame: GatewayFrame) => this.onFrame(frame));
    this.call.on("end", () => this.endSocket());
    this.call.on("status", (status: StatusObject) => this.onStatus(status));
    this.call.write({
      frame: {
        $case: "open",
        value: {
          connection: spec.connection,
          protocol: spec.protocol,
          clientVersion: spec.clientVersion,
          clientAddress: addressOf(socket),
          justification: spec.justification ?? "",
          reviewId: spec.reviewId ?? "",
        },
      },
    });

    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onSocketData(chunk));
    socket.on("end", () => this.halfCloseCall());
    socket.on("error", () => this.halfCloseCall());
    socket.on("close", () => this.onSocketClose());
  }

  /** Graceful stop: tell the gateway the client is gone and end the local connection. */
  shutdown(): Promise<void> {
    this.stoppedByUs = true;
    this.halfCloseCall();
    this.endSocket();
    return this.callFinished;
  }

  /** Forced stop: cancel the call and drop the socket. */
  abort(): void {
    this.stoppedByUs = true;
    if (!this.callDone) this.call.cancel();
    this.socket.destroy();
  }

  private onSocketData(chunk: Buffer): void {
    if (this.callHalfClosed || this.callDone) return;
    const more = this.call.write({ frame: { $case: "data", value: { payload: chunk } } });
    if (!more) {
      this.socket.pause();
      this.call.once("drain", () => this.socket.resume());
    }
  }

  private onFrame(frame: GatewayFrame): void {
    const body = frame.frame;
    if (body === undefined) return;
    switch (body.$case) {
      case "opened":
        this.sessionId = body.value.sessionId;
        this.hooks.opened(body.value.sessionId);
        return;
      case "data":
        this.writeToSocket(body.value.payload);
        return;
      case "close":
        this.closeCode = body.value.code;
        this.closeReason = body.value.reason || undefined;
        // Anything the client should see (an ErrorResponse mid-startup) came as data first.
        this.endSocket();
        return;
      default:
        assertNever(body);
    }
  }

  private writeToSocket(payload: Buffer): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    if (!this.socket.write(payload)) {
      this.call.pause();
      this.socket.once("drain", () => this.call.resume());
    }
  }

  private onStatus(status: StatusObject): void {
    this.callDone = true;
    if (status.code !== Status.OK && !(this.stoppedByUs && status.code === Status.CANCELLED)) {
      this.failure = this.hooks.describeFailure(status);
    }
    this.resolveCallFinished();
    this.endSocket();
    this.finishWhenBothDone();
  }

  private onSocketClose(): void {
    this.socketClosed = true;
    this.halfCloseCall();
    // Nobody reads the call any more: keep it flowing so that its status can arrive.
    this.call.resume();
    this.finishWhenBothDone();
  }

  /** The local client is gone (or going): no more frames after this. */
  private halfCloseCall(): void {
    if (this.callHalfClosed || this.callDone) return;
    this.callHalfClosed = true;
    if (this.closeReason === undefined && !this.stoppedByUs) this.clientEndedFirst = true;
    this.call.end();
    this.lingerThenForce();
  }

  private endSocket(): void {
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.end();
    this.lingerThenForce();
  }

  /** A peer that never finishes its side does not keep the session (or the process) alive. */
  private lingerThenForce(): void {
    if (this.lingerTimer !== undefined) return;
    this.lingerTimer = setTimeout(() => this.abort(), LINGER_MS);
    this.lingerTimer.unref();
  }

  private finishWhenBothDone(): void {
    if (!this.callDone || !this.socketClosed) return;
    clearTimeout(this.lingerTimer);
    this.resolveDone({
      sessionId: this.sessionId,
      reason: this.closeReason ?? this.failure ?? this.defaultReason(),
      failure: this.failure,
      closeCode: this.closeCode,
    });
  }

  private defaultReason(): string {
    if (this.clientEndedFirst) return "client quit";
    return this.stoppedByUs ? "stopped by airlock connect" : "ended by the control plane";
  }
}

/** `127.0.0.1:53412`, `[::1]:53412`. */
function addressOf(socket: Socket): string {
  const host = socket.remoteAddress ?? "unknown";
  return host.includes(":") ? `[${host}]:${socket.remotePort}` : `${host}:${socket.remotePort}`;
}
