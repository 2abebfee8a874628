// ClientGateway.Connect after authentication: the `open` frame names the
// connection, the client's startup phase is read, and a PostgresSession runs.
// A CancelRequest is routed to the session holding that key. Tracks the live
// sessions so SIGTERM can end each with 57P01 before the gRPC server stops.
import { CloseCode, type ClientOpen } from "@airlock/proto";
import { FrontendParser, SqlState } from "@airlock/pg-wire";
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { hkdfSync } from "node:crypto";
import { ApprovalsFacade } from "../approvals/approvals.facade";
import { AuditService } from "../audit/audit.service";
import { PolicyDecisions } from "../policies/policy-decisions";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { ConnectionsService } from "../connections/connections.service";
import { ConnectorsFacade } from "../connectors/connectors.facade";
import { NotFound } from "../errors/domain-errors";
import { TIMED_OUT } from "../grpc/frame-reader";
import type { Principal } from "../identity/auth/principal";
import { IdentityService, type LiveIdentity } from "../identity/identity.service";
import { RecordingService } from "../recording/recording.service";
import { CancelKeys } from "./cancel-keys";
import { type ClientCall, ClientStream } from "./client-stream";
import { DecisionPoint, type SessionFacts } from "./decision";
import { PostgresSession, type SessionRoute } from "./postgres/postgres-session";
import { readStartup } from "./postgres/startup-phase";
import { fatal } from "./session-ending";
import { SessionElevations } from "./session-elevations";
import { SessionMasking } from "./session-masking";
import { MaskVerifier } from "./postgres/mask-verifier";

/** How long the CLI has to send `open` after the call started. */
export const OPEN_TIMEOUT_MS = 10_000;
/** How long a client has for its startup packet (Postgres' authentication_timeout). */
export const STARTUP_TIMEOUT_MS = 60_000;

@Injectable()
export class GatewayService {
  private readonly logger: Logger;
  private readonly sessions = new Map<PostgresSession, Promise<void>>();
  /** The identity each live session was opened with, checked by the identity sweep. */
  private readonly identities = new Map<PostgresSession, LiveIdentity>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  /** Calls not (yet) running a session: reading `open` or the startup phase. */
  private readonly arriving = new Set<ClientStream>();
  private stopping: Promise<void> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly connectors: ConnectorsFacade,
    private readonly connections: ConnectionsService,
    private readonly identity: IdentityService,
    private readonly recording: RecordingService,
    private readonly cancelKeys: CancelKeys,
    private readonly decisions: DecisionPoint,
    private readonly approvals: ApprovalsFacade,
    private readonly policies: PolicyDecisions,
    private readonly audit: AuditService,
  ) {
    this.logger = root.child({ component: "gateway" });
    // HMAC key of the `hash` mask strategy: per installation, from the master key.
    this.maskHashKey = Buffer.from(
      hkdfSync("sha256", config.masterKey, Buffer.alloc(0), "airlock-mask-hash-v1", 32),
    );
  }

  private readonly maskHashKey: Buffer;

  /** The connector sent a clear value that its rules mask: audited (never the value). */
  private violation(
    sessionId: string | null,
    route: SessionRoute,
    principal: Principal,
    counts: Record<string, number>,
  ): void {
    this.logger.error(
      { sessionId, connector: route.connector.name, counts },
      "masking violation: the connector sent clear values that the rules mask; masked here",
    );
    void this.audit
      .record({
        code: "connector.masking_violation",
        outcome: "masked",
        actorId: principal.userId,
        actorName: principal.userName,
        actorKind: principal.kind,
        sessionId,
        connectionName: route.connection.name,
        data: { connector: route.connector.name, connectorId: route.connector.id, counts },
      })
      .catch(() => undefined);
  }

  /** Serves one authenticated ClientGateway.Connect call to its end; never rejects. */
  async connect(call: ClientCall, principal: Principal): Promise<void> {
    const client = new ClientStream(call);
    if (this.stopping !== undefined) {
      client.close(CloseCode.CLOSE_CODE_SHUTTING_DOWN, "Airlock control plane is shutting down");
      return;
    }
    this.arriving.add(client);
    let session: PostgresSession | undefined;
    try {
      session = await this.prepare(client, principal);
    } catch (err) {
      this.logger.error({ err, peer: client.peer }, "gateway call failed");
      client.close(
        CloseCode.CLOSE_CODE_INTERNAL,
        "internal error; the control plane log has the details",
      );
    } finally {
      this.arriving.delete(client);
    }
    if (session === undefined) return;
    // Shutdown began while the call was arriving: the session ends at once (57P01).
    if (this.stopping !== undefined) session.shutdown();
    const elevations = new SessionElevations(session.facts, this.approvals, this.logger);
    elevations.start();
    const run = session.run();
    this.sessions.set(session, run);
    this.identities.set(session, {
      userId: principal.userId,
      apiKeyId: principal.apiKeyId,
      loginSessionId: principal.loginSessionId,
    });
    this.startSweep();
    try {
      await run;
    } finally {
      elevations.stop();
      this.sessions.delete(session);
      this.identities.delete(session);
    }
  }

  /**
   * Deprovisioning reaches open sessions: every AIRLOCK_IDENTITY_SWEEP_MS the identity behind
   * each live session is checked (user disabled, login session or API key revoked or
   * expired), and a session whose identity may no longer be used ends with 28000 and why.
   */
  private startSweep(): void {
    if (this.sweepTimer !== undefined) return;
    this.sweepTimer = setInterval(
      () => void this.sweepIdentities(),
      this.config.tokens.identitySweepMs,
    );
    this.sweepTimer.unref();
  }

  private async sweepIdentities(): Promise<void> {
    if (this.sweeping || this.identities.size === 0) return;
    this.sweeping = true;
    try {
      const entries = [...this.identities];
      const problems = await this.identity.problemsWith(entries.map(([, identity]) => identity));
      entries.forEach(([session, identity], i) => {
        const problem = problems[i];
        if (problem === undefined) return;
        this.logger.info(
          { sessionId: session.id, userId: identity.userId, problem },
          "session ended: its identity may no longer be used",
        );
        this.identities.delete(session);
        session.revokeIdentity(problem);
      });
    } catch (err) {
      this.logger.warn({ err }, "identity sweep failed; tried again at the next interval");
    } finally {
      this.sweeping = false;
    }
  }

  /** SIGTERM: refuse new calls, end every session (57P01) and wait for their records. */
  stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    for (const client of this.arriving) {
      client.close(CloseCode.CLOSE_CODE_SHUTTING_DOWN, "Airlock control plane is shutting down");
    }
    const running = [...this.sessions];
    for (const [session] of running) session.shutdown();
    await Promise.allSettled(running.map(([, done]) => done));
    if (running.length > 0)
      this.logger.info({ sessions: running.length }, "sessions ended for shutdown");
  }

  /** `open`, the connection, the startup phase → a session to run (or undefined: handled). */
  private async prepare(
    client: ClientStream,
    principal: Principal,
  ): Promise<PostgresSession | undefined> {
    const open = await this.readOpen(client);
    if (open === undefined) return undefined;
    const route = await this.resolve(client, open);
    if (route === undefined) return undefined;
    if (!this.keyAllows(client, principal, route)) return undefined;
    const parser = new FrontendParser({ maxFrameBytes: this.config.postgres.maxFrameBytes });
    const startup = await readStartup(client, parser, STARTUP_TIMEOUT_MS);
    switch (startup.kind) {
      case "ended":
        client.close(CloseCode.CLOSE_CODE_NORMAL, "client quit");
        return undefined;
      case "protocolError":
        this.logger.info(
          { peer: client.peer, problem: startup.problem },
          "client refused before startup: protocol error",
        );
        void client
          .sendData(fatal(SqlState.protocolViolation, startup.problem))
          ?.catch(() => undefined);
        client.close(CloseCode.CLOSE_CODE_INVALID_INPUT, `protocol error: ${startup.problem}`);
        return undefined;
      case "cancel":
        this.cancel(principal, startup.processId, startup.secretKey);
        client.close(CloseCode.CLOSE_CODE_NORMAL, "cancel request handled");
        return undefined;
      case "startup":
        break;
    }
    // Groups are resolved once, when the session starts; elevations follow grants live.
    const elevated = await this.approvals.elevations(principal.userId, route.connection.id);
    const facts: SessionFacts = {
      userId: principal.userId,
      subject: {
        user: principal.userName,
        groups: await this.identity.groupsOf(principal.userId),
        kind: principal.kind,
        ...(elevated.roles.length === 0 ? {} : { elevations: elevated.roles }),
      },
      connection: { name: route.connection.name, tags: route.connection.tags },
      connectionId: route.connection.id,
      justification:
        open.justification.trim() === "" ? null : open.justification.trim().slice(0, 1000),
      reviewId: open.reviewId === "" ? null : open.reviewId.slice(0, 64),
    };
    const masking = new SessionMasking(this.policies, facts, this.maskHashKey);
    // The verifier reports violations with the session's id, known once it exists.
    const created: { session?: PostgresSession } = {};
    const verifier = this.config.maskVerify
      ? new MaskVerifier(
          () => masking.current,
          (counts) => this.violation(created.session?.id ?? null, route, principal, counts),
        )
      : undefined;
    const session = new PostgresSession(
      {
        masking,
        verifier,
        sampleLimits: this.config.recordResults,
        connectors: this.connectors,
        connections: this.connections,
        recording: this.recording,
        cancelKeys: this.cancelKeys,
        decisions: this.decisions,
        approvals: this.approvals,
        logger: this.logger.child({ user: principal.userName }),
        openTimeoutMs: this.config.sessionOpenTimeoutMs,
      },
      client,
      route,
      facts,
      {
        message: startup.message,
        leftover: startup.leftover,
        parser,
        clientAddress: open.clientAddress === "" ? client.peer : open.clientAddress,
      },
    );
    created.session = session;
    return session;
  }

  private async readOpen(client: ClientStream): Promise<ClientOpen | undefined> {
    const first = await client.frames.nextWithin(OPEN_TIMEOUT_MS);
    if (first === undefined) {
      client.close(CloseCode.CLOSE_CODE_NORMAL, "client quit");
      return undefined;
    }
    if (first === TIMED_OUT || first.frame?.$case !== "open") {
      const what = first === TIMED_OUT ? "nothing" : (first.frame?.$case ?? "an empty frame");
      client.close(
        CloseCode.CLOSE_CODE_INVALID_INPUT,
        `expected open as the first frame within ${OPEN_TIMEOUT_MS / 1000} s, got ${what}`,
      );
      return undefined;
    }
    const open = first.frame.value;
    if (open.protocol !== "postgres") {
      client.close(
        CloseCode.CLOSE_CODE_INVALID_INPUT,
        `protocol "${open.protocol}" is not served yet; only postgres is`,
      );
      return undefined;
    }
    return open;
  }

  private async resolve(client: ClientStream, open: ClientOpen): Promise<SessionRoute | undefined> {
    let connection;
    try {
      connection = await this.connections.get(open.connection);
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
      client.close(
        CloseCode.CLOSE_CODE_NOT_FOUND,
        `no connection "${open.connection.slice(0, 200)}"`,
      );
      return undefined;
    }
    if (connection.type !== open.protocol) {
      client.close(
        CloseCode.CLOSE_CODE_INVALID_INPUT,
        `connection "${connection.name}" is a ${connection.type} connection, not ${open.protocol}`,
      );
      return undefined;
    }
    return {
      connection: { id: connection.id, name: connection.name, tags: connection.tags },
      connector: connection.connector,
    };
  }

  /**
   * An API key scoped to connections opens sessions only on those: anything else is refused
   * (and audited) before a connector is asked for anything. REST calls are not scoped.
   */
  private keyAllows(client: ClientStream, principal: Principal, route: SessionRoute): boolean {
    if (principal.scopes.length > 0) {
      client.close(
        CloseCode.CLOSE_CODE_PERMISSION_DENIED,
        `this API key is limited to ${principal.scopes.join(", ")} and opens no sessions; use a key without scopes`,
      );
      return false;
    }
    const allowed = principal.connections;
    const name = route.connection.name;
    if (allowed.length === 0 || allowed.includes(name)) return true;
    this.logger.info(
      { user: principal.userName, apiKeyId: principal.apiKeyId, connection: name },
      "session refused: the API key is not scoped to the connection",
    );
    void this.audit
      .record({
        code: "session.refused",
        outcome: "denied",
        actorId: principal.userId,
        actorName: principal.userName,
        actorKind: principal.kind,
        sessionId: null,
        connectionName: name,
        data: {
          reason: "api_key_connections",
          apiKeyId: principal.apiKeyId,
          allowed: [...allowed],
        },
      })
      .catch(() => undefined);
    client.close(
      CloseCode.CLOSE_CODE_PERMISSION_DENIED,
      `this API key may open sessions only on: ${allowed.join(", ")}; ` +
        `ask for a key scoped to "${name}"`,
    );
    return false;
  }

  private cancel(principal: Principal, processId: number, secretKey: number): void {
    const session = this.cancelKeys.find({ processId, secretKey });
    if (session === undefined || session.userId !== principal.userId) {
      this.logger.info({ user: principal.userName }, "cancel request for an unknown key ignored");
      return;
    }
    session.cancelRunningCommand();
  }
}
