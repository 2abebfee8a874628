// One session: one ConnectorTunnel.Session stream bound to one target connection.
//
//   attach{sessionId, attachToken} -> engine.open(target) -> opened{remoteAddress}
//   -> data both ways (pull loops with awaited writes) -> close{code, reason}
//
// Whichever side ends first (target closes or fails, the control plane sends
// `close` or ends the stream, the connector is told to stop) ends the other.
//
// Masking (docs/design/0007-masking.md): OpenSession.mask goes to the engine with
// the open request; `mask_update` and `copy_hint` frames go to the target's
// `control()` in stream order (after the data frames before them were written,
// before the data frames after them); the output's `maskStats` items are sent as
// `mask_stats` frames, in order with the data, with the same awaited writes.

import type { ClientDuplexStream, Metadata, StatusObject } from "@grpc/grpc-js";
import {
  CloseCode,
  type ConnectorSessionFrame,
  type ConnectorTunnelClient,
  type Credential,
  type GatewaySessionFrame,
  type OpenSession,
  type SessionClose,
  type TargetSpec,
} from "@airlock/proto";
import { assertNever } from "../assert-never";
import type { ResolvedCredential } from "../credentials";
import type { OutputItem, SessionControl, TargetConnection, TargetEngine } from "../engines/engine";
import { SessionError } from "../engines/session-error";
import type { Logger } from "../logger";
import { isWritable, StreamClosedError, writeWithBackpressure } from "../streams";
import { finalStatus, Status, statusName } from "./grpc-client";

/** How long a closing session waits for the control plane to finish the stream. */
const CLOSE_GRACE_MS = 5_000;

type SessionStream = ClientDuplexStream<ConnectorSessionFrame, GatewaySessionFrame>;

export type OpenSessionWithTarget = OpenSession & { readonly target: TargetSpec };

export interface SessionRunnerDeps {
  readonly client: ConnectorTunnelClient;
  readonly metadata: () => Metadata;
  readonly log: Logger;
  readonly resolveCredential: (credential: Credential | undefined) => ResolvedCredential;
  /** Tells the control plane (on the control stream) that the session stream could not be opened. */
  readonly reportOpenFailed: (message: string) => void;
}

/** How a session ended. `close` is absent when the gateway ended the stream without one. */
interface Ending {
  readonly by: "target" | "gateway" | "connector";
  readonly close?: SessionClose;
  /** Whether to send `close` on the session stream (false when the stream is gone or the peer closed). */
  readonly sendClose: boolean;
}

/** Abort reason when the connector ends a session itself (close_session, drain, shutdown). */
class StopRequested extends Error {
  constructor(readonly ending: Ending) {
    super("session stopped by the connector");
  }
}

/** The session stream finished before the relay started. */
class StreamEnded extends Error {
  constructor(readonly status: StatusObject) {
    super(`session stream ended: ${statusName(status.code)}: ${status.details}`);
  }
}

export class SessionRunner {
  readonly sessionId: string;
  private readonly abort = new AbortController();
  private readonly log: Logger;
  private done: Promise<void> | undefined;
  private target: TargetConnection | undefined;
  private closing = false;
  private opened = false;
  private bytesToTarget = 0;
  private bytesFromTarget = 0;

  constructor(
    private readonly instruction: OpenSessionWithTarget,
    private readonly engine: TargetEngine,
    private readonly deps: SessionRunnerDeps,
  ) {
    this.sessionId = instruction.sessionId;
    this.log = deps.log.child({ sessionId: instruction.sessionId, engine: engine.name });
  }

  /** Runs the session. Settles (never rejects) once both sides are closed. */
  start(): Promise<void> {
    this.done ??= this.run().catch((err: unknown) => {
      this.log.error({ err }, "session failed unexpectedly");
    });
    return this.done;
  }

  /** Ends the session from the connector side. Safe to call more than once. */
  stop(close: SessionClose): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort(new StopRequested({ by: "connector", close, sendClose: true }));
  }

  private async run(): Promise<void> {
    const startedAt = Date.now();
    const stream = this.deps.client.session(this.deps.metadata());
    const status = finalStatus(stream);
    let ending: Ending;
    try {
      ending = await this.establishAndRelay(stream, status);
    } catch (err) {
      ending = this.endingFromError(err);
    }
    await this.finish(stream, status, ending, startedAt);
  }

  private async establishAndRelay(
    stream: SessionStream,
    status: Promise<StatusObject>,
  ): Promise<Ending> {
    const { sessionId, attachToken, target: spec } = this.instruction;
    const streamEnded = status.then((s) => Promise.reject(new StreamEnded(s)));
    streamEnded.catch(() => undefined);
    const aborted = rejectOnAbort(this.abort.signal);
    const guard = <T>(step: Promise<T>): Promise<T> => Promise.race([step, streamEnded, aborted]);

    await guard(
      writeWithBackpressure(stream, frame({ $case: "attach", value: { sessionId, attachToken } })),
    );
    const credential = this.deps.resolveCredential(spec.credential);
    const opening = this.engine.open({
      sessionId,
      spec,
      credential,
      startupParameters: this.instruction.startupParameters,
      mask: this.instruction.mask,
      signal: this.abort.signal,
      log: this.log,
    });
    // Own the target as soon as it exists, so `finish` closes it even when the
    // session ended while the engine was still dialling (or closes it here, late).
    opening.then(
      (target) => {
        this.target = target;
        if (this.closing) target.close();
      },
      () => undefined,
    );
    const target = await guard(opening);
    await guard(
      writeWithBackpressure(
        stream,
        frame({ $case: "opened", value: { remoteAddress: target.remoteAddress } }),
      ),
    );
    this.opened = true;
    this.log.info({ remoteAddress: target.remoteAddress }, "session opened");

    // From here the pumps watch the stream themselves (so a `close` frame that
    // arrives just before the end of the stream is read, not raced).
    return Promise.race([
      this.targetToTunnel(target, stream),
      this.tunnelToTarget(stream, target),
      aborted,
    ]);
  }

  /** Target -> control plane. Never throws. */
  private async targetToTunnel(target: TargetConnection, stream: SessionStream): Promise<Ending> {
    const items = target.output[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<OutputItem>;
      try {
        next = await items.next();
      } catch (err) {
        if (this.closing) return { by: "connector", sendClose: false };
        return this.targetFailed(err);
      }
      if (next.done) {
        return {
          by: "target",
          close: { code: CloseCode.CLOSE_CODE_NORMAL, reason: "the target closed the connection" },
          sendClose: true,
        };
      }
      try {
        await writeWithBackpressure(stream, this.frameOf(next.value));
      } catch {
        return { by: "gateway", sendClose: false };
      }
    }
  }

  private frameOf(item: OutputItem): ConnectorSessionFrame {
    if (Buffer.isBuffer(item)) {
      this.bytesFromTarget += item.length;
      return frame({ $case: "data", value: { payload: item } });
    }
    return frame({ $case: "maskStats", value: { counts: { ...item.maskStats } } });
  }

  /** The target (or the engine's masking) failed: its SessionError says how to close. */
  private targetFailed(err: unknown): Ending {
    if (err instanceof SessionError) {
      return { by: "target", close: { code: err.code, reason: err.message }, sendClose: true };
    }
    return {
      by: "target",
      close: {
        code: CloseCode.CLOSE_CODE_UNAVAILABLE,
        reason: `the target connection failed (${errorCode(err)})`,
      },
      sendClose: true,
    };
  }

  /** A mask update or COPY hint for the engine; an Ending when the session must end. */
  private control(target: TargetConnection, incoming: SessionControl): Ending | undefined {
    try {
      if (target.control) target.control(incoming);
      else if (incoming.$case === "maskUpdate" && incoming.value.rules.length > 0) {
        throw new SessionError(
          CloseCode.CLOSE_CODE_PERMISSION_DENIED,
          `mask rules apply to this session, but the ${this.engine.name} engine cannot mask results; the session was ended so that no unmasked result follows`,
        );
      }
      return undefined;
    } catch (err) {
      return this.endingFromError(err);
    }
  }

  /** Control plane -> target. Never throws. */
  private async tunnelToTarget(stream: SessionStream, target: TargetConnection): Promise<Ending> {
    const frames = stream[Symbol.asyncIterator]() as AsyncIterator<GatewaySessionFrame>;
    for (;;) {
      let next: IteratorResult<GatewaySessionFrame>;
      try {
        next = await frames.next();
      } catch {
        return { by: "gateway", sendClose: false };
      }
      if (next.done) return { by: "gateway", sendClose: false };
      const incoming = next.value.frame;
      switch (incoming?.$case) {
        case "data":
          this.bytesToTarget += incoming.value.payload.length;
          try {
            await target.write(incoming.value.payload);
          } catch (err) {
            if (this.closing) return { by: "connector", sendClose: false };
            return this.targetFailed(err);
          }
          break;
        case "close":
          return { by: "gateway", close: incoming.value, sendClose: false };
        case "cancel":
          void target.cancel?.();
          break;
        case "maskUpdate":
        case "copyHint": {
          const ending = this.control(target, incoming);
          if (ending) return ending;
          break;
        }
        case undefined:
          return {
            by: "connector",
            close: {
              code: CloseCode.CLOSE_CODE_INVALID_INPUT,
              reason: "the control plane sent an empty session frame",
            },
            sendClose: true,
          };
        default:
          return assertNever(incoming);
      }
    }
  }

  private endingFromError(err: unknown): Ending {
    if (err instanceof StopRequested) return err.ending;
    if (err instanceof StreamEnded || err instanceof StreamClosedError)
      return { by: "gateway", sendClose: false };
    if (err instanceof SessionError) {
      return { by: "connector", close: { code: err.code, reason: err.message }, sendClose: true };
    }
    this.log.error({ err }, "session failed");
    return {
      by: "connector",
      close: {
        code: CloseCode.CLOSE_CODE_INTERNAL,
        reason: "the connector failed to run this session; see the connector log",
      },
      sendClose: true,
    };
  }

  private async finish(
    stream: SessionStream,
    status: Promise<StatusObject>,
    ending: Ending,
    startedAt: number,
  ): Promise<void> {
    this.closing = true;
    if (!this.abort.signal.aborted) this.abort.abort(new StopRequested(ending));
    this.target?.close();
    if (ending.sendClose && ending.close && isWritable(stream)) {
      await withTimeout(
        writeWithBackpressure(stream, frame({ $case: "close", value: ending.close })),
        CLOSE_GRACE_MS,
      ).catch(() => undefined);
    }
    if (isWritable(stream)) stream.end();
    const final = await withTimeout(status, CLOSE_GRACE_MS).catch(() => undefined);
    if (!final) stream.cancel();

    const close = ending.close ?? closeFromStatus(final);
    if (!this.opened && ending.by === "gateway") {
      this.deps.reportOpenFailed(`could not open the session stream: ${close.reason}`);
    }
    this.log.info(
      {
        closedBy: ending.by,
        code: CloseCode[close.code],
        reason: close.reason,
        bytesToTarget: this.bytesToTarget,
        bytesFromTarget: this.bytesFromTarget,
        durationMs: Date.now() - startedAt,
      },
      "session closed",
    );
  }
}

function frame(value: NonNullable<ConnectorSessionFrame["frame"]>): ConnectorSessionFrame {
  return { frame: value };
}

function closeFromStatus(status: StatusObject | undefined): SessionClose {
  if (!status)
    return {
      code: CloseCode.CLOSE_CODE_UNAVAILABLE,
      reason: "the control plane did not finish the session stream",
    };
  const reason =
    status.code === Status.OK
      ? "the control plane ended the session stream"
      : `${statusName(status.code)}: ${status.details}`;
  return { code: closeCodeFor(status.code), reason };
}

function closeCodeFor(code: Status): CloseCode {
  switch (code) {
    case Status.OK:
    case Status.CANCELLED:
      return CloseCode.CLOSE_CODE_NORMAL;
    case Status.UNAUTHENTICATED:
      return CloseCode.CLOSE_CODE_UNAUTHENTICATED;
    case Status.PERMISSION_DENIED:
      return CloseCode.CLOSE_CODE_PERMISSION_DENIED;
    case Status.NOT_FOUND:
      return CloseCode.CLOSE_CODE_NOT_FOUND;
    case Status.INVALID_ARGUMENT:
      return CloseCode.CLOSE_CODE_INVALID_INPUT;
    case Status.UNAVAILABLE:
      return CloseCode.CLOSE_CODE_UNAVAILABLE;
    default:
      return CloseCode.CLOSE_CODE_INTERNAL;
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  const reason = (): Error =>
    signal.reason instanceof Error ? signal.reason : new Error("session aborted");
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(reason());
    else signal.addEventListener("abort", () => reject(reason()), { once: true });
  });
  promise.catch(() => undefined);
  return promise;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : err instanceof Error ? err.message : "unknown error";
}
