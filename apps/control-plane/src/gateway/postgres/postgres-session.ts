// One Postgres session through the gateway, from the client's StartupMessage to
// its end:
//
//   session row (opening) → open_session to the connector (authorize before dial)
//   → attach + opened → backend startup relayed, BackendKeyData replaced with ours
//   → active: two pull loops with awaited writes (client → target through the
//     command path; target → client forwarded as is while the tracker observes)
//   → finish (always, in `finally`): tell both sides, interrupt pending commands,
//     flush completions, record the end.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import {
  BackendParser,
  type BackendMessage,
  encodeBackendKeyData,
  type FrontendMessage,
  type FrontendParser,
  ProtocolError,
  SqlState,
  type StartupMessage,
} from "@airlock/pg-wire";
import { CloseCode, type SessionClose, type TargetSpec } from "@airlock/proto";
import type { Logger } from "pino";
import type { ApprovalsFacade } from "../../approvals/approvals.facade";
import type { ConnectionsService } from "../../connections/connections.service";
import type { ConnectorsFacade, PendingSession } from "../../connectors/connectors.facade";
import { isDomainError } from "../../errors/grpc-status";
import { TIMED_OUT } from "../../grpc/frame-reader";
import type { RecordingService } from "../../recording/recording.service";
import type { CancelKey, CancelKeys } from "../cancel-keys";
import type { ClientStream } from "../client-stream";
import type { DecisionPoint, SessionFacts } from "../decision";
import {
  clientQuit,
  closeCodeName,
  connectorLost,
  couldNotConnect,
  internalFailure,
  protocolError,
  refusedAtStartup,
  type SessionEnding,
  shuttingDown,
  identityRevoked,
  targetClosed,
} from "../session-ending";
import type { SessionMasking } from "../session-masking";
import { TargetStream } from "../target-stream";
import type { MaskVerifier } from "./mask-verifier";
import type { SampleLimits } from "./result-sample";
import { CommandPath, type TrackedCommand } from "./command-path";
import type { Outcome } from "./response-tracker";
import { ResponseTracker } from "./response-tracker";
import { startupSearchPath } from "./startup-search-path";

/** Backend frames are the target's: allow what Postgres itself can send (1 GiB fields). */
const MAX_BACKEND_FRAME_BYTES = 2 ** 30 + 2 ** 16;
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);
/** How long a new session waits for a connector that is not connected to this replica. */
const CONNECTOR_RECONNECT_GRACE_MS = 5_000;
/** Startup parameters that the connection decides, or that we do not pass on. */
const NOT_FORWARDED = new Set(["user", "database", "replication"]);
const NOT_REPLICATION = new Set(["false", "off", "no", "0"]);

export interface SessionRoute {
  connection: { id: string; name: string; tags: Record<string, string> };
  connector: { id: string; name: string };
}

export interface PostgresSessionDeps {
  connectors: ConnectorsFacade;
  connections: ConnectionsService;
  recording: RecordingService;
  cancelKeys: CancelKeys;
  decisions: DecisionPoint;
  approvals: ApprovalsFacade;
  /** The session's mask rules, updates and COPY hints (docs/design/0007-masking.md). */
  masking: SessionMasking;
  /** Re-checks the connector's masking (undefined when AIRLOCK_MASK_VERIFY=false). */
  verifier: MaskVerifier | undefined;
  /** How much of each result is recorded (0 rows: none). */
  sampleLimits: SampleLimits;
  logger: Logger;
  openTimeoutMs: number;
}

export interface SessionStartup {
  message: StartupMessage;
  /** Messages that arrived after the StartupMessage in the same chunk. */
  leftover: FrontendMessage[];
  /** The frontend parser, now in its typed phase. */
  parser: FrontendParser;
  clientAddress: string | null;
}

type Phase = "opening" | "startup" | "ready" | "ended";

export class PostgresSession {
  readonly id = randomUUID();
  readonly userId: string;
  private readonly logger: Logger;
  private phase: Phase = "opening";
  private ending: SessionEnding | undefined;
  private readonly ended: Promise<void>;
  private signalEnded!: () => void;
  private readonly endedAbort = new AbortController();
  private pending: PendingSession | undefined;
  private target: TargetStream | undefined;
  private rowWritten = false;
  private startupErrorRelayed = false;
  private cancelKey: CancelKey | undefined;
  private readonly backend = new BackendParser({
    lazyDataRows: true,
    maxFrameBytes: MAX_BACKEND_FRAME_BYTES,
  });
  private readonly tracker: ResponseTracker<TrackedCommand>;
  private readonly commands: CommandPath;
  private settledWaiters: (() => void)[] = [];
  private readonly unsubscribe: () => void;
  /** Why the startup's search_path cannot be followed (the session is refused), if so. */
  private readonly startupProblem: string | undefined;
  private readonly observe = (m: BackendMessage): void => {
    this.tracker.observe(m);
    if (m.type === "readyForQuery" || m.type === "parameterStatus") this.commands.observe(m);
  };

  constructor(
    private readonly deps: PostgresSessionDeps,
    private readonly client: ClientStream,
    private readonly route: SessionRoute,
    readonly facts: SessionFacts,
    private readonly startup: SessionStartup,
  ) {
    this.userId = facts.userId;
    this.logger = deps.logger.child({
      sessionId: this.id,
      connection: route.connection.name,
      connector: route.connector.name,
    });
    this.ended = new Promise<void>((resolve) => {
      this.signalEnded = () => {
        this.endedAbort.abort();
        resolve();
      };
    });
    this.tracker = new ResponseTracker<TrackedCommand>(
      (command, outcome) => this.completed(command, outcome),
      deps.sampleLimits,
    );
    const searchPath = startupSearchPath(startup.message.parameters);
    this.startupProblem = "problem" in searchPath ? searchPath.problem : undefined;
    this.commands = new CommandPath({
      sessionId: this.id,
      facts,
      decisions: deps.decisions,
      startupSearchPath: "path" in searchPath ? searchPath.path : [],
      tracker: this.tracker,
      recording: deps.recording,
      approvals: deps.approvals,
      endedSignal: this.endedAbort.signal,
      logger: this.logger,
      toTarget: (bytes) => this.toTarget(bytes),
      toClient: (bytes) => this.toClient(bytes),
      whenSettled: () => this.whenSettled(),
      ending: () => this.ending !== undefined,
      end: (ending) => this.end(ending),
      beforeForward: (copies) =>
        this.deps.masking.beforeForward(copies, (frame) => this.target?.sendFrame(frame)),
      interrupted: (command) =>
        this.completed(command, {
          status: "interrupted",
          rowCount: null,
          commandTag: null,
          errorCode: null,
          errorMessage: null,
          copyDirection: null,
          copyBytes: null,
          maskCounts: null,
          resultSample: null,
        }),
    });
    this.unsubscribe = deps.connectors.onConnectorGone((connectorId) => {
      if (connectorId === route.connector.id) this.end(connectorLost(route.connector.name));
    });
    // While the session opens nothing reads the client's stream: notice a cancel.
    client.call.once("cancelled", () => this.end(clientQuit(false)));
  }

  /** Runs the session to its end; never rejects. */
  async run(): Promise<void> {
    try {
      await this.open();
      if (this.ending === undefined) await this.relay();
    } catch (err) {
      this.logger.error({ err }, "session failed");
      this.end(internalFailure());
    } finally {
      await this.finish();
    }
  }

  /** SIGTERM: every live session ends with 57P01. */
  shutdown(): void {
    this.end(shuttingDown());
  }

  /** The identity behind the session may no longer be used: it ends with 28000 and why. */
  revokeIdentity(why: string): void {
    this.end(identityRevoked(why));
  }

  /** A CancelRequest with this session's key arrived. */
  cancelRunningCommand(): void {
    if (this.phase !== "ready") return;
    if (this.commands.cancelHeld()) {
      this.logger.info("cancel request withdrew the command held for review");
      return;
    }
    this.logger.info("cancel request forwarded to the connector");
    this.target?.sendCancel();
  }

  private end(ending: SessionEnding): void {
    if (this.ending !== undefined) return;
    this.ending = ending;
    this.signalEnded();
    this.releaseSettled();
  }

  // ---- opening ---------------------------------------------------------------------

  private async open(): Promise<void> {
    const { message } = this.startup;
    const replication = message.parameters["replication"];
    await this.writeSessionRow();
    if (this.ending !== undefined) return;
    if (replication !== undefined && !NOT_REPLICATION.has(replication.toLowerCase())) {
      this.end(
        refusedAtStartup(
          "replication connections are not allowed through Airlock",
          SqlState.insufficientPrivilege,
          CloseCode.CLOSE_CODE_PERMISSION_DENIED,
        ),
      );
      return;
    }
    if (this.startupProblem !== undefined) {
      // Policy could not tell which schemas unqualified names mean: fail closed.
      this.end(
        refusedAtStartup(
          this.startupProblem,
          SqlState.invalidParameterValue,
          CloseCode.CLOSE_CODE_INVALID_INPUT,
        ),
      );
      return;
    }
    const { connector, connection } = this.route;
    const deadline = performance.now() + this.deps.openTimeoutMs;
    // A connector that is reconnecting (say, this process just restarted) gets a short
    // grace period before the session is refused as offline.
    const grace = Math.min(CONNECTOR_RECONNECT_GRACE_MS, this.deps.openTimeoutMs);
    if (!(await this.deps.connectors.waitConnected(connector.id, grace))) {
      this.end(
        couldNotConnect(
          `the connector ${connector.name} is offline (waited ${grace / 1000} s for it to connect)`,
        ),
      );
      return;
    }
    if (this.ending !== undefined) return;
    let target: TargetSpec;
    try {
      target = await this.deps.connections.resolveTargetSpec(connection.id);
    } catch (err) {
      if (!isDomainError(err)) throw err;
      this.end(couldNotConnect(err.message));
      return;
    }
    if (this.ending !== undefined) return;
    try {
      this.pending = this.deps.connectors.requestSession({
        connectorId: connector.id,
        sessionId: this.id,
        target,
        startupParameters: forwardedParameters(message.parameters),
        mask: this.deps.masking.initial(),
      });
    } catch (err) {
      if (!isDomainError(err)) throw err;
      this.end(couldNotConnect(`the connector ${connector.name} is offline`));
      return;
    }
    await this.awaitAttach(deadline);
    if (this.ending === undefined) await this.awaitOpened(deadline);
  }

  private async writeSessionRow(): Promise<void> {
    try {
      await this.deps.recording.startSession({
        id: this.id,
        userId: this.facts.userId,
        connectionId: this.route.connection.id,
        connectorId: this.route.connector.id,
        connectionName: this.route.connection.name,
        protocol: "postgres",
        clientAddress: this.startup.clientAddress,
      });
      this.rowWritten = true;
    } catch (err) {
      this.logger.error({ err }, "could not record the session start");
      this.end(
        refusedAtStartup(
          "Airlock could not record this session, so it was not opened",
          SqlState.systemError,
          CloseCode.CLOSE_CODE_UNAVAILABLE,
        ),
      );
    }
  }

  private async awaitAttach(deadline: number): Promise<void> {
    const pending = this.pending as PendingSession;
    const name = this.route.connector.name;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, deadline - performance.now()));
    });
    try {
      const attached = await Promise.race([pending.attached, expired, this.ended]);
      if (attached === TIMED_OUT) {
        this.end(couldNotConnect(`the connector ${name} did not open the session in time`));
      } else if (attached !== undefined) {
        this.target = new TargetStream(attached);
        // Lost during the wait: the stream is ours to close.
        if (this.ending !== undefined) return;
      }
    } catch (err) {
      if (!isDomainError(err)) throw err;
      this.end(couldNotConnect(err.message));
    } finally {
      clearTimeout(timer);
    }
  }

  /** After attach the connector dials the target: `opened`, or `close` with the reason. */
  private async awaitOpened(deadline: number): Promise<void> {
    const target = this.target as TargetStream;
    const name = this.route.connector.name;
    const first = await Promise.race([
      target.frames.nextWithin(Math.max(0, deadline - performance.now())),
      this.ended.then(() => undefined),
    ]);
    if (this.ending !== undefined) return;
    if (first === TIMED_OUT) {
      this.end(couldNotConnect(`the connector ${name} did not reach the target in time`));
      return;
    }
    const frame = first?.frame;
    switch (frame?.$case) {
      case "opened":
        this.phase = "startup";
        this.logger.info({ remoteAddress: frame.value.remoteAddress }, "target connected");
        this.client.sendOpened(this.id, this.route.connection.name);
        return;
      case "close":
        this.end(couldNotConnect(frame.value.reason, closeCodeOf(frame.value), false));
        return;
      case undefined:
        this.end(couldNotConnect(`the connector ${name} ended the session stream`));
        return;
      default:
        this.end(
          couldNotConnect(
            `the connector ${name} sent ${frame?.$case ?? "an empty frame"} before opened`,
          ),
        );
    }
  }

  // ---- relay -----------------------------------------------------------------------

  private async relay(): Promise<void> {
    const loops = [this.clientToTarget(), this.targetToClient()].map((loop) =>
      loop.catch((err: unknown) => {
        this.logger.error({ err }, "session relay failed");
        this.end(internalFailure());
      }),
    );
    await Promise.race([...loops, this.ended]);
  }

  private async clientToTarget(): Promise<void> {
    const { parser, leftover } = this.startup;
    if (leftover.length > 0) await this.commands.handle(leftover);
    const messages: FrontendMessage[] = [];
    const collect = (m: FrontendMessage): void => {
      messages.push(m);
    };
    for (;;) {
      if (this.ending !== undefined) return;
      const next = await this.client.frames.next();
      if (this.ending !== undefined) return;
      const frame = next?.frame;
      if (frame === undefined || frame.$case === "close") {
        this.end(clientQuit(false));
        return;
      }
      if (frame.$case !== "data") {
        this.end(protocolError(`unexpected ${frame.$case} frame from the client`));
        return;
      }
      messages.length = 0;
      let problem: ProtocolError | undefined;
      try {
        parser.parse(frame.value.payload, collect);
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        problem = err;
      }
      // Whole messages before a bad one are handled, as Postgres would.
      await this.commands.handle(messages.splice(0));
      if (problem !== undefined) {
        this.end(protocolError(problem.message));
        return;
      }
    }
  }

  private async targetToClient(): Promise<void> {
    const target = this.target as TargetStream;
    for (;;) {
      const next = await target.frames.next();
      if (this.ending !== undefined) return;
      const frame = next?.frame;
      switch (frame?.$case) {
        case "data":
          await this.fromTarget(frame.value.payload);
          break;
        case "maskStats":
          this.tracker.addMaskCounts(frame.value.counts);
          break;
        case "close":
          this.end(
            this.phase === "startup"
              ? this.closedDuringStartup(frame.value)
              : targetClosed(frame.value),
          );
          return;
        case undefined:
          this.end(connectorLost(this.route.connector.name));
          return;
        default:
          this.logger.warn({ frame: frame?.$case }, "connector sent an unexpected session frame");
          this.end(connectorLost(this.route.connector.name));
          return;
      }
    }
  }

  /** The target went away before its first ReadyForQuery: the session never opened. */
  private closedDuringStartup(close: SessionClose): SessionEnding {
    const why =
      close.code === CloseCode.CLOSE_CODE_NORMAL
        ? "the target closed the connection during startup"
        : close.reason;
    const ending = couldNotConnect(why, closeCodeOf(close), false);
    // The target's own FATAL error was relayed already: that is the client's message.
    if (this.startupErrorRelayed) ending.clientError = undefined;
    return ending;
  }

  /** Target bytes: observed, then forwarded as they came (rebuilt only during startup). */
  private async fromTarget(payload: Buffer): Promise<void> {
    let out = payload;
    try {
      if (this.phase === "startup") out = this.relayStartup(payload);
      else if (this.deps.verifier?.active === true) out = this.relayVerified(payload);
      else this.backend.parse(payload, this.observe);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.end(protocolError(`the target sent invalid data: ${err.message}`));
      return;
    }
    const wait = this.toClient(out);
    if (wait !== undefined) await wait;
    this.releaseSettled();
  }

  /**
   * With the verification pass on, only whole messages go on (a frame split across chunks
   * waits for its end), each as the verifier lets it: unchanged, or masked again.
   */
  private relayVerified(payload: Buffer): Buffer {
    const verifier = this.deps.verifier as MaskVerifier;
    const parts: Buffer[] = [];
    this.backend.parse(payload, (m) => {
      // What the client gets is what is observed, sampled and recorded.
      const out = verifier.check(m) ?? m;
      this.observe(out);
      parts.push(out.raw);
    });
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /** Awaited writes: a stream that closed while we waited ends the session, not the process. */
  private toTarget(bytes: Buffer): Promise<void> | undefined {
    return this.target
      ?.sendData(bytes)
      ?.catch(() => this.end(connectorLost(this.route.connector.name)));
  }

  private toClient(bytes: Buffer): Promise<void> | undefined {
    return this.client.sendData(bytes)?.catch(() => this.end(clientQuit(false)));
  }

  /**
   * Until the first ReadyForQuery every message is forwarded unchanged except
   * BackendKeyData, which becomes this session's own random key.
   */
  private relayStartup(payload: Buffer): Buffer {
    const parts: Buffer[] = [];
    this.backend.parse(payload, (m) => {
      if (this.phase !== "startup") {
        this.observe(m);
        parts.push(m.raw);
        return;
      }
      if (m.type === "parameterStatus") this.commands.observe(m);
      if (m.type === "backendKeyData") {
        this.cancelKey ??= this.deps.cancelKeys.issue(this);
        parts.push(encodeBackendKeyData(this.cancelKey.processId, this.cancelKey.secretKey));
        return;
      }
      parts.push(m.raw);
      if (m.type === "errorResponse") this.startupErrorRelayed = true;
      if (m.type === "readyForQuery") this.becameReady();
    });
    // A frame begun after the startup's ReadyForQuery in this chunk: its head goes now.
    // (With the verification pass, it goes whole with the next chunk instead.)
    if (
      this.phase === "ready" &&
      this.backend.buffered > 0 &&
      this.deps.verifier?.active !== true
    ) {
      parts.push(payload.subarray(payload.length - this.backend.buffered));
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  private becameReady(): void {
    this.phase = "ready";
    this.logger.info("session active");
    this.deps.recording.markActive(this.id).catch((err: unknown) => {
      this.logger.warn({ err }, "could not record the session as active");
    });
  }

  private whenSettled(): Promise<void> | undefined {
    if (this.ending !== undefined || this.tracker.settled) return undefined;
    return new Promise<void>((resolve) => this.settledWaiters.push(resolve));
  }

  private releaseSettled(): void {
    if (this.settledWaiters.length === 0) return;
    if (this.ending === undefined && !this.tracker.settled) return;
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const wake of waiters) wake();
  }

  private completed(command: TrackedCommand, outcome: Outcome): void {
    this.commands.completed(command, outcome.status);
    this.deps.recording.completeCommand({
      sessionId: this.id,
      seq: command.seq,
      completedAt: new Date(),
      durationMs: performance.now() - command.startedAt,
      ...outcome,
    });
  }

  // ---- ending ----------------------------------------------------------------------

  private async finish(): Promise<void> {
    const ending = this.ending ?? internalFailure();
    this.ending = ending;
    this.phase = "ended";
    this.signalEnded();
    this.releaseSettled();
    this.unsubscribe();
    if (this.cancelKey !== undefined) this.deps.cancelKeys.release(this.cancelKey);

    if (ending.clientError !== undefined)
      void this.client.sendData(ending.clientError)?.catch(() => undefined);
    this.client.close(ending.code, ending.reason);

    if (this.target !== undefined) {
      if (ending.terminateTarget) void this.target.sendData(TERMINATE)?.catch(() => undefined);
      this.target.close(
        ending.tellConnector ? { code: ending.code, reason: ending.reason } : undefined,
      );
    } else if (this.pending !== undefined) {
      const close = { code: ending.code, reason: ending.reason };
      this.pending.abandon(close.code, close.reason);
      // An attach that still lands is closed at once.
      this.pending.attached.then(
        (late) => new TargetStream(late).close(close),
        () => undefined,
      );
    }

    await this.commands.recordInFlight?.catch(() => undefined);
    this.tracker.interruptAll();
    await this.deps.recording.flushCompletions();
    if (this.rowWritten) {
      await this.deps.recording
        .endSession(this.id, {
          status: ending.status,
          endedAt: new Date(),
          closeCode: closeCodeName(ending.code),
          closeReason: ending.reason,
        })
        .catch((err: unknown) => this.logger.warn({ err }, "could not record the session end"));
    }
    this.logger.info(
      { status: ending.status, closeCode: closeCodeName(ending.code), reason: ending.reason },
      "session ended",
    );
  }
}

/** The client's startup parameters that the target's startup carries. */
function forwardedParameters(parameters: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parameters)) {
    if (NOT_FORWARDED.has(name) || name.startsWith("_pq_.")) continue;
    out[name] = value;
  }
  return out;
}

function closeCodeOf(close: SessionClose): CloseCode {
  return close.code === CloseCode.CLOSE_CODE_NORMAL ? CloseCode.CLOSE_CODE_UNAVAILABLE : close.code;
}
