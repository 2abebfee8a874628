// Sessions waiting for their connector to open the data stream. The control plane
// sends `open_session {session_id, attach_token}` on the connector's control stream
// and waits here; the connector dials ConnectorTunnel.Session and sends `attach`
// with the same pair. The stream is handed over only when the session id is
// waited for, the stream authenticated as the SAME connector, and the token
// matches (compared in constant time). Tokens are one-time and live only here.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ServerDuplexStream } from "@grpc/grpc-js";
import type { ConnectorSessionFrame, GatewaySessionFrame } from "@airlock/proto";
import { Injectable } from "@nestjs/common";
import { Unavailable } from "../../errors/domain-errors";
import type { FrameReader } from "../../grpc/frame-reader";
import { ControlRegistry } from "./control-registry";

export type SessionCall = ServerDuplexStream<ConnectorSessionFrame, GatewaySessionFrame>;

/** A connector's data stream for one session, after `attach`. */
export interface AttachedSession {
  readonly call: SessionCall;
  /** Reads the frames after `attach`. */
  readonly frames: FrameReader<ConnectorSessionFrame>;
}

interface Waiter {
  readonly connectorId: string;
  readonly tokenHash: Buffer;
  resolve(session: AttachedSession): void;
  reject(err: Error): void;
}

export interface Expectation {
  /** The token to put in open_session: secret, never log it. */
  readonly attachToken: string;
  /** Settles when the connector attaches, or rejects (Unavailable) when it reports a failure. */
  readonly attached: Promise<AttachedSession>;
  /** Stops waiting (timeout, client gone); a late attach is refused. */
  cancel(): void;
}

@Injectable()
export class SessionAttachments {
  private readonly waiting = new Map<string, Waiter>();

  constructor(registry: ControlRegistry) {
    registry.onGone((connectorId, connectorName) =>
      this.failConnector(
        connectorId,
        `the connector ${connectorName} disconnected before it opened the session`,
      ),
    );
  }

  expect(sessionId: string, connectorId: string): Expectation {
    const attachToken = randomBytes(32).toString("base64url");
    let waiter: Waiter | undefined;
    const attached = new Promise<AttachedSession>((resolve, reject) => {
      waiter = { connectorId, tokenHash: hash(attachToken), resolve, reject };
    });
    // Nobody may be listening yet when a failure arrives: the caller reads it later.
    attached.catch(() => undefined);
    this.waiting.set(sessionId, waiter as Waiter);
    return {
      attachToken,
      attached,
      cancel: () => {
        if (this.waiting.get(sessionId) === waiter) this.waiting.delete(sessionId);
      },
    };
  }

  /** Hands the stream to the waiting session; false when nothing matches (the caller refuses it). */
  attach(
    sessionId: string,
    attachToken: string,
    connectorId: string,
    session: AttachedSession,
  ): boolean {
    const waiter = this.waiting.get(sessionId);
    if (waiter === undefined || waiter.connectorId !== connectorId) return false;
    if (!timingSafeEqual(waiter.tokenHash, hash(attachToken))) return false;
    this.waiting.delete(sessionId);
    waiter.resolve(session);
    return true;
  }

  /** The connector reported (on its control stream) that it could not open the session. */
  fail(sessionId: string, connectorId: string, message: string): void {
    const waiter = this.waiting.get(sessionId);
    if (waiter === undefined || waiter.connectorId !== connectorId) return;
    this.waiting.delete(sessionId);
    waiter.reject(new Unavailable(message));
  }

  private failConnector(connectorId: string, message: string): void {
    for (const [sessionId, waiter] of this.waiting) {
      if (waiter.connectorId !== connectorId) continue;
      this.waiting.delete(sessionId);
      waiter.reject(new Unavailable(message));
    }
  }
}

function hash(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}
