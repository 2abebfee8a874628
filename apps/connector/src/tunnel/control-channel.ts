// The connector's one long-lived link to the control plane.
//
// Dials OUT (ConnectorTunnel.Control), says hello, waits for welcome, then
// heartbeats and follows instructions. Any disconnect is followed by a
// reconnect with jittered exponential backoff, except a refused token or a
// `disconnect{retry:false}`, which end the process (exit code 2) instead of
// retrying forever. SIGTERM drains: no new sessions, live ones may finish.

import type { ClientDuplexStream, StatusObject } from "@grpc/grpc-js";
import {
  CloseCode,
  type CloseSession,
  type ConnectorMessage,
  type ConnectorTunnelClient,
  type ControlInstruction,
  type Disconnect,
  type HeartbeatAck,
  type OpenSession,
  type Welcome,
} from "@airlock/proto";
import { assertNever } from "../assert-never";
import type { Config } from "../config";
import { resolveCredential } from "../credentials";
import type { EngineRegistry } from "../engines/registry";
import type { Logger } from "../logger";
import { isWritable, writeWithBackpressure } from "../streams";
import { backoffDelay, type BackoffPolicy, type RandomSource } from "./backoff";
import { authMetadata, createTunnelClient, finalStatus, Status, statusName } from "./grpc-client";
import { SessionRunner } from "./session-runner";

/** A control plane that accepted the stream but never says welcome is treated as down. */
const WELCOME_TIMEOUT_MS = 15_000;
const DEFAULT_HEARTBEAT_MS = 5_000;
const MIN_HEARTBEAT_MS = 250;
const MAX_HEARTBEAT_MS = 300_000;
/** How long a half-closed call may take to finish before it is cancelled. */
const CALL_CLOSE_GRACE_MS = 2_000;
/** How long stopped sessions get to send their `close` and finish. */
const SESSION_STOP_GRACE_MS = 5_000;

type ControlStream = ClientDuplexStream<ConnectorMessage, ControlInstruction>;

export type ChannelEnd =
  { readonly kind: "stopped" } | { readonly kind: "fatal"; readonly reason: string };

export type ControlChannelConfig = Pick<
  Config,
  | "controlPlane"
  | "token"
  | "insecure"
  | "tlsCa"
  | "hostname"
  | "drainTimeoutMs"
  | "reconnectBaseMs"
  | "reconnectMaxMs"
>;

export interface ControlChannelOptions {
  readonly config: ControlChannelConfig;
  readonly registry: EngineRegistry;
  readonly log: Logger;
  readonly version: string;
  /** Random per process, so the control plane can tell a restart from a reconnect. */
  readonly instanceId: string;
  readonly random?: RandomSource;
}

/** What ended one control stream, and so what the loop does next. */
type Outcome =
  | {
      readonly kind: "retry";
      readonly welcomed: boolean;
      readonly reason: string;
      readonly code?: Status;
    }
  | { readonly kind: "fatal"; readonly reason: string }
  | { readonly kind: "stopped" };

/** One gRPC channel; closed once its control stream and all its sessions are done. */
interface Link {
  readonly client: ConnectorTunnelClient;
  readonly sessions: Set<SessionRunner>;
  retired: boolean;
}

/** One control stream. */
interface Connection {
  readonly call: ControlStream;
  readonly link: Link;
  readonly status: Promise<StatusObject>;
  readonly welcomeTimer: NodeJS.Timeout;
  welcome: Welcome | undefined;
  heartbeat: NodeJS.Timeout | undefined;
  heartbeatInFlight: boolean;
  /** Set by an instruction or a timeout that ends the stream on purpose. */
  decided: Outcome | undefined;
}

type State = "idle" | "running" | "draining" | "stopping";

export class ControlChannel {
  /** Settles once the channel has stopped for good: drained/stopped, or a fatal refusal. */
  readonly ended: Promise<ChannelEnd>;
  private resolveEnded: (end: ChannelEnd) => void = () => undefined;
  private state: State = "idle";
  private readonly sessions = new Map<string, SessionRunner>();
  private readonly links = new Set<Link>();
  private readonly idleWaiters = new Set<() => void>();
  private connection: Connection | undefined;
  private attempt = 0;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  private draining: Promise<void> | undefined;
  private connectorName: string | undefined;
  private lastRttMs: number | undefined;
  private readonly policy: BackoffPolicy;
  private readonly random: RandomSource;
  private readonly log: Logger;

  constructor(private readonly options: ControlChannelOptions) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.policy = { baseMs: options.config.reconnectBaseMs, maxMs: options.config.reconnectMaxMs };
    this.random = options.random ?? Math.random;
    this.log = options.log;
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  /** Last heartbeat round trip, in ms. */
  get rttMs(): number | undefined {
    return this.lastRttMs;
  }

  start(): void {
    if (this.state !== "idle") return;
    this.state = "running";
    this.loopDone = this.loop().then(async (end) => {
      if (end.kind !== "fatal") return;
      this.state = "stopping";
      await this.teardown();
      this.resolveEnded(end);
    });
  }

  /**
   * SIGTERM: announce `draining`, refuse new sessions, wait up to the drain
   * timeout for live sessions, then stop. Safe to call more than once.
   */
  drain(reason: string): Promise<void> {
    this.draining ??= this.runDrain(reason);
    return this.draining;
  }

  /** Closes every session, the control stream and the channel. Safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= this.runStop();
    return this.stopping;
  }

  // ---- the reconnect loop ----

  private async loop(): Promise<ChannelEnd> {
    while (this.state === "running") {
      const outcome = await this.connectOnce();
      if (outcome.kind === "fatal") return outcome;
      if (outcome.kind === "stopped" || this.state !== "running") break;
      this.attempt += 1;
      const delayMs = backoffDelay(this.attempt, this.policy, this.random);
      this.log.warn(
        {
          attempt: this.attempt,
          retryInMs: delayMs,
          grpcCode: outcome.code === undefined ? undefined : statusName(outcome.code),
          reason: outcome.reason,
          hint: hintFor(outcome.reason),
        },
        outcome.welcomed
          ? "lost the control plane; reconnecting"
          : "cannot reach the control plane; retrying",
      );
      await this.sleep(delayMs);
    }
    return { kind: "stopped" };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => (this.wake = undefined));
  }

  private connectOnce(): Promise<Outcome> {
    const { config } = this.options;
    const link: Link = {
      client: createTunnelClient({
        controlPlane: config.controlPlane,
        insecure: config.insecure,
        tlsCa: config.tlsCa,
        userAgent: `airlock-connector/${this.options.version}`,
      }),
      sessions: new Set(),
      retired: false,
    };
    this.links.add(link);
    const call = link.client.control(authMetadata(config.token));
    const connection: Connection = {
      call,
      link,
      status: finalStatus(call),
      welcomeTimer: setTimeout(() => {
        connection.decided ??= {
          kind: "retry",
          welcomed: false,
          reason: `the control plane sent no welcome within ${WELCOME_TIMEOUT_MS} ms`,
        };
        call.cancel();
      }, WELCOME_TIMEOUT_MS),
      welcome: undefined,
      heartbeat: undefined,
      heartbeatInFlight: false,
      decided: undefined,
    };
    this.connection = connection;
    call.on("data", (instruction: ControlInstruction) =>
      this.onInstruction(connection, instruction),
    );
    // A failed write shows up as the call's status; nothing to do here.
    this.send(connection, {
      $case: "hello",
      value: {
        version: this.options.version,
        capabilities: this.options.registry.names(),
        hostname: config.hostname,
        instanceId: this.options.instanceId,
      },
    }).catch(() => undefined);

    return connection.status.then((status) => {
      clearTimeout(connection.welcomeTimer);
      clearInterval(connection.heartbeat);
      if (this.connection === connection) this.connection = undefined;
      link.retired = true;
      this.closeLinkIfDone(link);
      return connection.decided ?? this.outcomeOf(status, connection);
    });
  }

  private outcomeOf(status: StatusObject, connection: Connection): Outcome {
    if (this.state !== "running") return { kind: "stopped" };
    if (status.code === Status.UNAUTHENTICATED || status.code === Status.PERMISSION_DENIED) {
      const name = this.connectorName ?? "<name>";
      this.log.error(
        { grpcCode: statusName(status.code), serverMessage: status.details },
        `the control plane refused this connector's token (${status.details}); issue a new token with \`airlock admin connectors token create ${name}\` and set AIRLOCK_CONNECTOR_TOKEN`,
      );
      return { kind: "fatal", reason: `token refused: ${status.details}` };
    }
    const details = status.details.replace(/\.?\s*Resolution note:\s*$/, "");
    const reason =
      status.code === Status.OK
        ? "the control plane ended the control stream"
        : details || statusName(status.code);
    return { kind: "retry", welcomed: connection.welcome !== undefined, reason, code: status.code };
  }

  // ---- instructions ----

  private onInstruction(connection: Connection, instruction: ControlInstruction): void {
    const msg = instruction.msg;
    if (!connection.welcome && msg?.$case !== "welcome" && msg?.$case !== "disconnect") {
      this.log.warn(
        { instruction: msg?.$case },
        "ignoring an instruction that came before welcome",
      );
      return;
    }
    switch (msg?.$case) {
      case "welcome":
        return this.onWelcome(connection, msg.value);
      case "heartbeatAck":
        return this.onHeartbeatAck(msg.value);
      case "openSession":
        return this.onOpenSession(connection, msg.value);
      case "closeSession":
        return this.onCloseSession(msg.value);
      case "disconnect":
        return this.onDisconnect(connection, msg.value);
      case undefined:
        this.log.warn("ignoring an empty instruction from the control plane");
        return;
      default:
        return assertNever(msg);
    }
  }

  private onWelcome(connection: Connection, welcome: Welcome): void {
    if (connection.welcome) {
      this.log.warn("ignoring a second welcome on the same control stream");
      return;
    }
    connection.welcome = welcome;
    clearTimeout(connection.welcomeTimer);
    // The connection is up: the next failure starts the backoff from the base again.
    this.attempt = 0;
    this.connectorName = welcome.connectorName;
    const intervalMs =
      welcome.heartbeatIntervalMs > 0
        ? Math.min(Math.max(welcome.heartbeatIntervalMs, MIN_HEARTBEAT_MS), MAX_HEARTBEAT_MS)
        : DEFAULT_HEARTBEAT_MS;
    this.log.info(
      {
        connectorName: welcome.connectorName,
        connectorId: welcome.connectorId,
        controlPlaneVersion: welcome.controlPlaneVersion,
        heartbeatIntervalMs: intervalMs,
      },
      "connector connected",
    );
    this.sendHeartbeat(connection);
    connection.heartbeat = setInterval(() => this.sendHeartbeat(connection), intervalMs);
    if (this.state === "draining") void this.sendDraining(connection, "the connector is draining");
  }

  private sendHeartbeat(connection: Connection): void {
    // Never queue heartbeats behind a stalled stream: skip this one instead.
    if (connection.heartbeatInFlight) {
      this.log.debug("skipping a heartbeat: the previous one is still waiting to be sent");
      return;
    }
    connection.heartbeatInFlight = true;
    this.send(connection, {
      $case: "heartbeat",
      value: { sentAtUnixMs: Date.now(), activeSessions: this.sessions.size },
    })
      .catch(() => undefined)
      .finally(() => (connection.heartbeatInFlight = false));
  }

  private onHeartbeatAck(ack: HeartbeatAck): void {
    const rttMs = Date.now() - ack.sentAtUnixMs;
    if (rttMs >= 0) this.lastRttMs = rttMs;
    this.log.debug({ rttMs }, "heartbeat acknowledged");
  }

  private onOpenSession(connection: Connection, open: OpenSession): void {
    const { sessionId, target } = open;
    if (sessionId === "") {
      this.log.warn("ignoring an open_session without a session id");
      return;
    }
    if (this.sessions.has(sessionId)) {
      this.log.warn({ sessionId }, "ignoring a second open_session for a live session");
      return;
    }
    if (this.state !== "running") return this.refuseSession(sessionId, "connector is draining");
    if (!target) return this.refuseSession(sessionId, "open_session carries no target");
    const engine = this.options.registry.get(target.engine);
    if (!engine)
      return this.refuseSession(sessionId, `engine ${target.engine || "(none)"} not available yet`);

    const link = connection.link;
    const runner = new SessionRunner({ ...open, target }, engine, {
      client: link.client,
      metadata: () => authMetadata(this.options.config.token),
      log: this.log,
      resolveCredential: (credential) => resolveCredential(credential),
      reportOpenFailed: (message) => this.reportOpenFailed(sessionId, message),
    });
    this.sessions.set(sessionId, runner);
    link.sessions.add(runner);
    this.log.info(
      { sessionId, engine: engine.name, target: `${target.host}:${target.port}` },
      "opening session",
    );
    void runner.start().then(() => {
      this.sessions.delete(sessionId);
      link.sessions.delete(runner);
      this.closeLinkIfDone(link);
      if (this.sessions.size === 0) for (const wake of this.idleWaiters) wake();
    });
  }

  private onCloseSession(instruction: CloseSession): void {
    const runner = this.sessions.get(instruction.sessionId);
    if (!runner) {
      this.log.debug(
        { sessionId: instruction.sessionId },
        "close_session for a session that is not live",
      );
      return;
    }
    runner.stop(
      instruction.close ?? {
        code: CloseCode.CLOSE_CODE_NORMAL,
        reason: "closed by the control plane",
      },
    );
  }

  private onDisconnect(connection: Connection, disconnect: Disconnect): void {
    if (disconnect.retry) {
      this.log.warn(
        { reason: disconnect.reason },
        "the control plane asked this connector to reconnect",
      );
      connection.decided = {
        kind: "retry",
        welcomed: connection.welcome !== undefined,
        reason: `disconnected by the control plane: ${disconnect.reason}`,
      };
    } else {
      this.log.error(
        { reason: disconnect.reason },
        `the control plane disconnected this connector and asked it not to reconnect: ${disconnect.reason}`,
      );
      connection.decided = { kind: "fatal", reason: disconnect.reason };
    }
    void this.closeCall(connection);
  }

  private refuseSession(sessionId: string, message: string): void {
    this.log.warn({ sessionId, reason: message }, "refused a session");
    this.reportOpenFailed(sessionId, message);
  }

  private reportOpenFailed(sessionId: string, message: string): void {
    const connection = this.connection;
    if (!connection?.welcome) {
      this.log.warn(
        { sessionId, reason: message },
        "cannot report a failed session: the control stream is down",
      );
      return;
    }
    this.send(connection, { $case: "sessionOpenFailed", value: { sessionId, message } }).catch(
      () => undefined,
    );
  }

  private sendDraining(connection: Connection, reason: string): Promise<void> {
    return this.send(connection, { $case: "draining", value: { reason } }).catch(() => undefined);
  }

  private send(connection: Connection, msg: NonNullable<ConnectorMessage["msg"]>): Promise<void> {
    return writeWithBackpressure(connection.call, { msg });
  }

  // ---- shutdown ----

  private async runDrain(reason: string): Promise<void> {
    if (this.state === "stopping") return this.stop();
    this.state = "draining";
    this.wake?.();
    this.log.info(
      {
        reason,
        activeSessions: this.sessions.size,
        drainTimeoutMs: this.options.config.drainTimeoutMs,
      },
      "draining: taking no new sessions, waiting for live ones to finish",
    );
    const connection = this.connection;
    if (connection?.welcome)
      await withTimeout(this.sendDraining(connection, reason), CALL_CLOSE_GRACE_MS);
    if (!(await this.waitForSessions(this.options.config.drainTimeoutMs))) {
      this.log.warn(
        { remaining: this.sessions.size },
        "drain timeout reached; closing the remaining sessions",
      );
    }
    await this.stop();
  }

  private async runStop(): Promise<void> {
    this.state = "stopping";
    this.wake?.();
    await this.teardown();
    await this.loopDone;
    this.resolveEnded({ kind: "stopped" });
  }

  private async teardown(): Promise<void> {
    for (const runner of this.sessions.values()) {
      runner.stop({
        code: CloseCode.CLOSE_CODE_SHUTTING_DOWN,
        reason: "the connector is shutting down",
      });
    }
    await this.waitForSessions(SESSION_STOP_GRACE_MS);
    if (this.connection) await this.closeCall(this.connection);
    for (const link of this.links) link.client.close();
    this.links.clear();
  }

  /** Half-closes the control stream, then cancels it if the control plane does not finish it. */
  private async closeCall(connection: Connection): Promise<void> {
    clearInterval(connection.heartbeat);
    if (isWritable(connection.call)) connection.call.end();
    const finished = await withTimeout(connection.status, CALL_CLOSE_GRACE_MS);
    if (!finished) connection.call.cancel();
    await connection.status;
  }

  private closeLinkIfDone(link: Link): void {
    if (!link.retired || link.sessions.size > 0 || !this.links.has(link)) return;
    link.client.close();
    this.links.delete(link);
  }

  /** True once no session is live; false when `timeoutMs` passed first. */
  private waitForSessions(timeoutMs: number): Promise<boolean> {
    if (this.sessions.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean): void => {
        clearTimeout(timer);
        this.idleWaiters.delete(onIdle);
        resolve(idle);
      };
      const onIdle = (): void => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.idleWaiters.add(onIdle);
    });
  }
}

/** Resolves with the value, or undefined when `ms` passed first. Never rejects. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>(
    (resolve) => (timer = setTimeout(() => resolve(undefined), ms)),
  );
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A next step for failures whose details suggest a TLS mismatch. */
function hintFor(reason: string): string | undefined {
  if (/certificate|self[- ]signed|ssl|tls|handshake|wrong version number/i.test(reason)) {
    return "check AIRLOCK_TLS_CA_FILE (the CA that signed the control plane's certificate) and that the host in AIRLOCK_CONTROL_PLANE is a name the certificate covers; AIRLOCK_INSECURE=true only if the control plane serves plaintext";
  }
  return undefined;
}
