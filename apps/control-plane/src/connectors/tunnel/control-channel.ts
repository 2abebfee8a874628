// One ConnectorTunnel.Control call, from authentication to its end.
//
//   authenticate the bearer token (nothing is read before that)
//   → hello within HELLO_TIMEOUT_MS: record it, register as the connector's live
//     stream, answer welcome
//   → heartbeat: one UPDATE, answer heartbeat_ack (a revoked token or deleted
//     connector makes the UPDATE miss: disconnect{retry:false})
//   → end / cancel / error: disconnectedAt = now, if this was still the
//     connector's current stream.
//
// Going live and that end are audited (connector.connected / connector.disconnected,
// system events: no actor) without waiting: a storm of reconnects never waits on the
// audit table, and a failed write is logged.
//
// Messages are handled one at a time, in order.
import { status as GrpcStatus, type ServerDuplexStream } from "@grpc/grpc-js";
import type {
  ConnectorHeartbeat,
  ConnectorHello,
  ConnectorMessage,
  ControlInstruction,
} from "@airlock/proto";
import type { Logger } from "pino";
import type { AuditRecord } from "../../audit/audit-event";
import type { AuditService } from "../../audit/audit.service";
import { InvalidInput, Unauthenticated } from "../../errors/domain-errors";
import { bearerOf, endWithError, endWithStatus } from "../../grpc/grpc-call";
import type { ConnectorAuth, ConnectorTokensService } from "../connector-tokens.service";
import type { ConnectorRepository, HelloFacts } from "../connector.repository";
import type { ControlRegistry, LiveControl } from "./control-registry";
import type { SessionAttachments } from "./session-attachments";
import { validateHello } from "./hello";

export const HELLO_TIMEOUT_MS = 10_000;

export type ControlCall = ServerDuplexStream<ConnectorMessage, ControlInstruction>;

export interface ControlChannelDeps {
  tokens: ConnectorTokensService;
  connectors: ConnectorRepository;
  registry: ControlRegistry;
  attachments: SessionAttachments;
  audit: AuditService;
  heartbeatIntervalMs: number;
  controlPlaneVersion: string;
  logger: Logger;
  /** Keeps a background write visible to shutdown, which waits for it. */
  track(work: Promise<unknown>): void;
}

type State = "authenticating" | "awaiting_hello" | "live" | "closed";

export class ControlChannel implements LiveControl {
  private state: State = "authenticating";
  private auth: ConnectorAuth | undefined;
  private connectedAt: Date | undefined;
  private hello: HelloFacts | undefined;
  /** The connector's address as this process sees it; null when unknown. */
  private readonly address: string | null;
  private helloTimer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private logger: Logger;
  hostname = "";
  instanceId = "";

  constructor(
    private readonly call: ControlCall,
    private readonly deps: ControlChannelDeps,
  ) {
    const peer = call.getPeer();
    this.logger = deps.logger.child({ peer });
    this.address = peer === "" || peer === "unknown" ? null : peer;
  }

  get connectorId(): string {
    return this.auth?.connectorId ?? "";
  }

  get connectorName(): string {
    return this.auth?.connectorName ?? "";
  }

  get tokenId(): string {
    return this.auth?.tokenId ?? "";
  }

  async run(): Promise<void> {
    this.call.on("cancelled", () => this.finish("stream cancelled"));
    // Our own endWithStatus emits "error" too; the call then ends by itself.
    this.call.on("error", () => this.finish("stream error"));
    try {
      this.auth = await this.deps.tokens.authenticate(bearerOf(this.call.metadata));
    } catch (err) {
      this.logger.warn(
        { reason: err instanceof Error ? err.message : String(err) },
        "connector refused",
      );
      this.fail(err);
      return;
    }
    if (this.state === "closed") return;
    this.state = "awaiting_hello";
    this.logger = this.logger.child({ connector: this.auth.connectorName });
    this.helloTimer = setTimeout(() => {
      this.fail(
        new InvalidInput(`expected hello as the first message within ${HELLO_TIMEOUT_MS / 1000} s`),
      );
    }, HELLO_TIMEOUT_MS);
    this.call.on("data", (message: ConnectorMessage) => this.enqueue(() => this.handle(message)));
    this.call.on("end", () => this.enqueue(() => this.onEnd()));
  }

  send(instruction: ControlInstruction): boolean {
    if (this.state === "closed") return false;
    this.call.write(instruction);
    return true;
  }

  disconnect(reason: string, retry: boolean): void {
    if (this.state === "closed") return;
    this.logger.info({ reason, retry }, "disconnecting connector");
    this.send({ msg: { $case: "disconnect", value: { reason, retry } } });
    this.finish(reason);
    // retry:false also ends with UNAUTHENTICATED, which the connector treats as fatal
    // even if it missed the disconnect message.
    if (retry) this.call.end();
    else endWithStatus(this.call, { code: GrpcStatus.UNAUTHENTICATED, details: reason });
  }

  /**
   * A newer stream of this connector won. A different process holding the same
   * token is told `retry: false`, so it exits instead of taking the connection back
   * after its backoff: two processes with one token would otherwise flap forever
   * (the newer one is the one an operator just started, e.g. in a rolling update).
   * The same process reconnecting (same instanceId) has already abandoned this
   * stream, so it is just closed.
   */
  replacedBy(
    newer: LiveControl & { readonly hostname: string; readonly instanceId: string },
  ): void {
    if (this.state === "closed") return;
    if (newer.instanceId !== "" && newer.instanceId === this.instanceId) {
      this.finish("replaced by a reconnect of the same process");
      this.call.end();
      return;
    }
    const reason = `replaced by a newer connection from ${newer.hostname || "an unnamed host"}`;
    this.send({ msg: { $case: "disconnect", value: { reason, retry: false } } });
    this.finish(reason);
    this.call.end();
  }

  private enqueue(work: () => Promise<void>): void {
    const next = this.queue.then(work).catch((err: unknown) => this.fail(err));
    this.queue = next;
    this.deps.track(next);
  }

  private async handle(message: ConnectorMessage): Promise<void> {
    if (this.state === "closed") return;
    const msg = message.msg;
    if (msg === undefined) {
      throw new InvalidInput(
        "empty control message: expected hello, heartbeat, draining or session_open_failed",
      );
    }
    if (msg.$case === "hello") {
      if (this.state !== "awaiting_hello")
        throw new InvalidInput("hello was already received on this stream");
      return this.onHello(msg.value);
    }
    if (this.state !== "live")
      throw new InvalidInput(`the first message must be hello, got ${msg.$case}`);
    switch (msg.$case) {
      case "heartbeat":
        return this.onHeartbeat(msg.value);
      case "draining":
        this.logger.info({ reason: msg.value.reason }, "connector is draining");
        return;
      case "sessionOpenFailed":
        this.logger.warn(
          { sessionId: msg.value.sessionId, message: msg.value.message },
          "connector could not open a session",
        );
        this.deps.attachments.fail(
          msg.value.sessionId,
          this.requireAuth().connectorId,
          msg.value.message,
        );
        return;
    }
  }

  private async onHello(hello: ConnectorHello): Promise<void> {
    const facts = validateHello(hello);
    const auth = this.requireAuth();
    clearTimeout(this.helloTimer);
    const at = new Date();
    if (!(await this.deps.connectors.recordHello(auth.connectorId, facts, at))) {
      throw new Unauthenticated(
        `connector "${auth.connectorName}" was deleted; create it again and use its new token`,
      );
    }
    if (this.state === "closed") {
      // The stream ended while the hello was being recorded: undo "connected".
      this.deps.track(this.deps.connectors.recordDisconnect(auth.connectorId, at, new Date()));
      return;
    }
    this.connectedAt = at;
    this.hello = facts;
    this.hostname = facts.hostname;
    this.instanceId = facts.instanceId;
    this.state = "live";
    const replaced = this.deps.registry.register(this);
    replaced?.replacedBy(this);
    this.audit({
      code: "connector.connected",
      outcome: "connected",
      data: {
        ...this.auditFacts(auth),
        hostname: facts.hostname,
        instanceId: facts.instanceId,
        replacedStream: replaced !== undefined,
      },
    });
    this.send({
      msg: {
        $case: "welcome",
        value: {
          connectorId: auth.connectorId,
          connectorName: auth.connectorName,
          heartbeatIntervalMs: this.deps.heartbeatIntervalMs,
          controlPlaneVersion: this.deps.controlPlaneVersion,
        },
      },
    });
    this.logger.info(
      { version: facts.version, hostname: facts.hostname, instanceId: facts.instanceId },
      "connector connected",
    );
  }

  private async onHeartbeat(heartbeat: ConnectorHeartbeat): Promise<void> {
    const auth = this.requireAuth();
    const at = new Date();
    let stillValid = true;
    try {
      stillValid = await this.deps.connectors.touchHeartbeat(auth.connectorId, auth.tokenId, at);
    } catch (err) {
      // The store is down: keep the stream; the status shows stale heartbeats.
      this.logger.warn({ err }, "could not record heartbeat");
    }
    if (!stillValid) {
      this.disconnect("connector token was revoked or the connector was deleted", false);
      return;
    }
    this.send({
      msg: {
        $case: "heartbeatAck",
        value: { sentAtUnixMs: heartbeat.sentAtUnixMs, receivedAtUnixMs: at.getTime() },
      },
    });
  }

  private async onEnd(): Promise<void> {
    if (this.state === "closed") return;
    this.finish("connector closed the stream");
    this.call.end();
  }

  private fail(err: unknown): void {
    if (this.state === "closed") return;
    this.finish(err instanceof Error ? err.message : "failed");
    endWithError(this.call, err, this.logger);
  }

  private finish(reason: string): void {
    if (this.state === "closed") return;
    const wasLive = this.state === "live";
    this.state = "closed";
    clearTimeout(this.helloTimer);
    if (!wasLive || !this.deps.registry.unregister(this)) return;
    const auth = this.requireAuth();
    const connectedAt = this.connectedAt ?? new Date(0);
    this.logger.info({ reason }, "connector disconnected");
    this.audit({
      code: "connector.disconnected",
      outcome: "disconnected",
      data: { ...this.auditFacts(auth), reason },
    });
    this.deps.track(
      this.deps.connectors
        .recordDisconnect(auth.connectorId, connectedAt, new Date())
        .catch((err: unknown) => {
          this.logger.warn({ err }, "could not record the disconnect");
        }),
    );
  }

  /** Writes a system event about this connector without waiting for it (shutdown does). */
  private audit(event: Pick<AuditRecord, "code" | "outcome" | "data">): void {
    const connectorName = this.requireAuth().connectorName;
    this.deps.track(
      this.deps.audit
        .record({
          ...event,
          actorId: null,
          actorName: null,
          actorKind: null,
          connectorName,
          sourceAddress: this.address,
        })
        .catch((err: unknown) => {
          this.logger.error(
            { err, code: event.code },
            "could not audit the connector's connection",
          );
        }),
    );
  }

  private auditFacts(auth: ConnectorAuth): Record<string, unknown> {
    return {
      connectorId: auth.connectorId,
      tokenId: auth.tokenId,
      version: this.hello?.version ?? null,
      address: this.address,
    };
  }

  private requireAuth(): ConnectorAuth {
    if (this.auth === undefined) throw new Error("control channel used before authentication");
    return this.auth;
  }
}
