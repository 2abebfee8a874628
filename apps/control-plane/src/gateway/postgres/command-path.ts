// Frontend → target: every message the client sends after startup is parsed, every
// command goes through the decision point, its record is made durable, and only then
// are its bytes forwarded (invariant 1). Extended-protocol messages are held until Sync
// or Flush and forwarded as one chunk. COPY data flows as it comes.
//
// When the gateway answers a command itself (refused, or not recordable) it first
// waits until everything forwarded before has been answered, so the client sees
// responses in the order it sent its messages. A refused command never reached the
// server, so the ReadyForQuery that follows carries the transaction status the server
// last reported: inside a transaction block it stays 'T' (Postgres itself would have
// failed the transaction, 'E'); the client may go on or roll back.
//
// Decisions use the session's SQL state (session-sql-state.ts): the search path,
// statements prepared with SQL PREPARE, and how the server reads text. The changes an
// allowed command makes apply when it is forwarded, in order, so a later command of
// the same batch is decided with them.
import { performance } from "node:perf_hooks";
import {
  assertNever,
  encodeErrorResponse,
  encodeReadyForQuery,
  type FrontendMessage,
  type FunctionCall,
  type ParameterStatus,
  type Query,
  type ReadyForQuery,
  SqlState,
} from "@airlock/pg-wire";
import type { Logger } from "pino";
import type { ApprovalsFacade } from "../../approvals/approvals.facade";
import type { RecordingService } from "../../recording/recording.service";
import type { CommandProtocol, CommandRecord } from "../../recording/recording.types";
import { joinRaws } from "../chunks";
import {
  type CommandDecision,
  type CommandToDecide,
  type DecisionPoint,
  type SessionFacts,
  type SqlContext,
} from "../decision";
import { refusalFields } from "../refusal";
import type { CopyOut } from "../session-masking";
import { clientQuit, protocolError, type SessionEnding } from "../session-ending";
import { recordedParams } from "./bind-params";
import { type PlannedExecute, PreparedStatements } from "./prepared-statements";
import type { Outcome, ResponseTracker } from "./response-tracker";
import { ReviewHold } from "./review-hold";
import { type CommandEffects, SessionSqlState } from "./session-sql-state";

/** Extended-protocol messages held without Sync or Flush: past this, 54000 and close. */
export const MAX_BATCH_BYTES = 64 * 1024 * 1024;

/** What the tracker carries for each forwarded command. */
export interface TrackedCommand {
  seq: number;
  /** performance.now() when the command was received. */
  startedAt: number;
  /** What it changes in the session's SQL state (set when forwarded). */
  effects?: CommandEffects;
}

export interface CommandPathDeps {
  sessionId: string;
  facts: SessionFacts;
  decisions: DecisionPoint;
  /** The search path the session started with (startup-search-path.ts). */
  startupSearchPath: readonly string[];
  tracker: ResponseTracker<TrackedCommand>;
  recording: RecordingService;
  approvals: ApprovalsFacade;
  /** Aborted when the session ends (a held command stops waiting). */
  endedSignal: AbortSignal;
  logger: Logger;
  toTarget(bytes: Buffer): Promise<void> | undefined;
  toClient(bytes: Buffer): Promise<void> | undefined;
  /** Resolves once the tracker is settled (undefined when it already is). */
  whenSettled(): Promise<void> | undefined;
  ending(): boolean;
  end(ending: SessionEnding): void;
  /** A recorded command that will never be forwarded because the session ended. */
  interrupted(command: TrackedCommand): void;
  /** Just before a command's bytes go to the target: its COPY … TO STDOUT statements. */
  beforeForward(copies: readonly CopyOut[]): void;
}

const UNRECORDED_MESSAGE = "Airlock could not record this command, so it was not run";
const SEVERAL_EXECUTES_REASON =
  "this batch runs several statements and one of them needs approval; an approval releases " +
  "one command, so send the one that needs approval on its own (one Execute per Sync)";

export class CommandPath {
  private readonly prepared = new PreparedStatements();
  private readonly sql: SessionSqlState;
  private held: FrontendMessage[] = [];
  private heldBytes = 0;
  /** After a refused batch without Sync: drop messages until the client's Sync. */
  private skipUntilSync = false;
  /** Messages of a batch were forwarded at Flush and its Sync has not been forwarded yet. */
  private openBatch = false;
  private nextSeq = 1;
  /** ReadyForQuery-producing messages (Query, FunctionCall, Sync) forwarded so far. */
  private cycles = 0;
  /** COPY … TO STDOUT statements forwarded in the current cycle. */
  private copiesInCycle = 0;
  private recording: Promise<void> | undefined;
  private readonly holds: ReviewHold;

  constructor(private readonly deps: CommandPathDeps) {
    this.sql = new SessionSqlState(deps.startupSearchPath);
    this.holds = new ReviewHold({
      sessionId: deps.sessionId,
      facts: deps.facts,
      approvals: deps.approvals,
      logger: deps.logger,
      record: (rows) => this.record(rows),
      tell: (bytes) => this.tell(bytes),
      ended: deps.endedSignal,
    });
  }

  /** A CancelRequest arrived: a held command is withdrawn (true), else nothing is held. */
  cancelHeld(): boolean {
    return this.holds.cancel();
  }

  /** A forwarded command completed: the SQL state learns whether its changes happened. */
  completed(command: TrackedCommand, status: Outcome["status"]): void {
    if (command.effects !== undefined) this.sql.completed(command.effects, status);
  }

  /** ParameterStatus and ReadyForQuery from the server (startup included). */
  observe(m: ParameterStatus | ReadyForQuery): void {
    if (m.type === "parameterStatus") this.sql.parameterStatus(m.name, m.value);
    else this.sql.ready(m.status);
  }

  /** The write-ahead record in flight, if any (the session's end waits for it). */
  get recordInFlight(): Promise<void> | undefined {
    return this.recording;
  }

  /** Handles the messages of one client chunk, in order. */
  async handle(messages: readonly FrontendMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i++) {
      if (this.deps.ending()) return;
      const m = messages[i] as FrontendMessage;
      switch (m.type) {
        case "query":
          // No await (and no promise) when nothing is held: the common case.
          if (this.held.length > 0) await this.flushHeld();
          await this.simpleQuery(m);
          break;
        case "functionCall":
          if (this.held.length > 0) await this.flushHeld();
          await this.functionCall(m);
          break;
        case "parse":
        case "bind":
        case "describe":
        case "execute":
        case "close":
          this.hold(m);
          break;
        case "sync":
          this.hold(m);
          await this.finishBatch(true);
          break;
        case "flush":
          this.hold(m);
          await this.finishBatch(false);
          break;
        case "copyData":
        case "copyDone":
        case "copyFail":
          if (this.held.length > 0) {
            this.hold(m);
            break;
          }
          i = await this.copyRun(messages, i);
          break;
        case "terminate":
          await this.forward(m.raw);
          this.deps.end(clientQuit(true));
          return;
        case "passwordLike":
          this.deps.end(protocolError("unexpected PasswordMessage after authentication"));
          return;
        case "startup":
        case "sslRequest":
        case "gssEncRequest":
        case "cancelRequest":
          this.deps.end(protocolError(`unexpected ${m.type} message after startup`));
          return;
        default:
          assertNever(m);
      }
    }
  }

  private async simpleQuery(q: Query): Promise<void> {
    const receivedAt = new Date();
    const startedAt = performance.now();
    const quiet = this.quiet();
    const context = this.sql.context(this.sql.view, !quiet);
    const decision = this.decide({ kind: "simple", sql: q.sql }, context, receivedAt);
    const effects =
      decision.action !== "deny"
        ? this.sql.effectsOf(decision.statements, quiet && this.inAutocommit())
        : undefined;
    const ran = await this.single(
      "simple",
      q.sql,
      null,
      decision,
      q.raw,
      receivedAt,
      startedAt,
      effects,
    );
    // A simple Query destroys the unnamed statement and portal (when it runs).
    if (ran) this.prepared.onSimpleQuery();
  }

  private async functionCall(f: FunctionCall): Promise<void> {
    const receivedAt = new Date();
    const startedAt = performance.now();
    const sql = `fastpath function ${f.oid}`;
    const context = this.sql.context(this.sql.view, !this.quiet());
    const decision = this.decide({ kind: "function_call", sql }, context, receivedAt);
    const params = recordedParams(f.argFormats, f.args);
    await this.single("function_call", sql, params, decision, f.raw, receivedAt, startedAt);
  }

  private decide(command: CommandToDecide, context: SqlContext, now: Date): CommandDecision {
    return this.deps.decisions.decide(command, this.deps.facts, context, now);
  }

  /** Nothing forwarded is still running: the server's settings are as last reported. */
  private quiet(): boolean {
    return this.deps.tracker.idle && !this.openBatch;
  }

  /** The server's last ReadyForQuery said: no transaction block. */
  private inAutocommit(): boolean {
    return this.deps.tracker.transactionStatus === "I";
  }

  /** One command answered by one ReadyForQuery: a simple Query or a FunctionCall. True when forwarded. */
  private async single(
    protocol: CommandProtocol,
    sql: string,
    params: unknown[] | null,
    decision: CommandDecision,
    raw: Buffer,
    receivedAt: Date,
    startedAt: number,
    effects?: CommandEffects,
  ): Promise<boolean> {
    if (decision.action === "deny") {
      await this.record([this.row(protocol, sql, params, decision, "blocked", receivedAt)]);
      await this.answer(this.refusal(decision), true);
      return false;
    }
    const row = this.row(protocol, sql, params, decision, "pending", receivedAt);
    if (decision.action === "review") {
      const verdict = await this.holds.hold([row], decision);
      if (verdict.kind === "refuse") await this.answer(verdict.error, true);
      if (verdict.kind !== "run") return false;
      // The command's time starts when it is released.
      startedAt = performance.now();
    } else if (!(await this.record([row]))) {
      await this.answer(unrecorded(), true);
      return false;
    }
    const command: TrackedCommand = { seq: row.seq, startedAt };
    if (this.deps.ending()) {
      this.deps.interrupted(command);
      return false;
    }
    if (effects !== undefined) {
      this.sql.forwarded(effects);
      command.effects = effects;
    }
    this.deps.tracker.expectQuery(command);
    this.deps.beforeForward(this.copiesOf([decision]));
    this.endCycle();
    await this.forward(raw);
    return true;
  }

  /** The COPY … TO STDOUT statements of commands about to be forwarded in this cycle. */
  private copiesOf(decisions: readonly CommandDecision[]): CopyOut[] {
    const copies: CopyOut[] = [];
    for (const d of decisions) {
      for (const s of d.statements) {
        if (s.copy === undefined || s.copy.direction !== "to" || !s.copy.stdio) continue;
        copies.push({ readyIndex: this.cycles, ordinal: this.copiesInCycle++, copy: s.copy });
      }
    }
    return copies;
  }

  /** A Query, FunctionCall or Sync was forwarded: the target will end the cycle. */
  private endCycle(): void {
    this.cycles += 1;
    this.copiesInCycle = 0;
  }

  private hold(m: FrontendMessage): void {
    this.held.push(m);
    this.heldBytes += m.raw.length;
    if (this.heldBytes > MAX_BATCH_BYTES) {
      this.held = [];
      this.heldBytes = 0;
      this.deps.end(
        protocolError(
          `extended-protocol messages without Sync or Flush exceed ${MAX_BATCH_BYTES / (1024 * 1024)} MiB`,
          SqlState.programLimitExceeded,
        ),
      );
    }
  }

  /** Messages held without Sync or Flush before a Query: forward them as they are. */
  private async flushHeld(): Promise<void> {
    if (this.held.length > 0) await this.finishBatch(false);
  }

  /** Decides, records and forwards the held batch (ended by Sync when `sync`). */
  private async finishBatch(sync: boolean): Promise<void> {
    const messages = this.held;
    this.held = [];
    this.heldBytes = 0;
    const last = messages[messages.length - 1];
    if (last === undefined || this.deps.ending()) return;
    if (this.skipUntilSync) {
      if (!sync) return;
      this.skipUntilSync = false;
      await this.endRefusedBatch(last.raw);
      return;
    }
    const receivedAt = new Date();
    const startedAt = performance.now();
    const plan = this.prepared.plan(messages);
    const quiet = this.quiet();
    const autocommit = quiet && plan.executes.length === 1 && this.inAutocommit();
    let refused =
      plan.refusedStatement === undefined ? undefined : statementRefused(plan.refusedStatement);
    const refusedParses: string[] = [];
    const decisions: CommandDecision[] = [];
    const effects: (CommandEffects | undefined)[] = [];
    // Decided in the order the server runs them, each with the changes of the Executes
    // before it; a step after an Execute is read by the server once that one ran.
    let view = this.sql.view;
    for (const step of plan.steps) {
      const context = this.sql.context(view, !quiet || decisions.length > 0);
      if (step.type === "parse") {
        const d = this.decide({ kind: "parse", sql: step.sql }, context, receivedAt);
        if (d.action === "deny") {
          refused ??= d;
          refusedParses.push(step.name);
        }
        continue;
      }
      const e = plan.executes[step.index] as PlannedExecute;
      const d = this.decide({ kind: "extended", sql: e.sql }, context, receivedAt);
      decisions.push(d);
      if (d.action === "deny") {
        refused ??= d;
        effects.push(undefined);
        continue;
      }
      const fx = this.sql.effectsOf(d.statements, autocommit);
      view = SessionSqlState.apply(view, fx.ops).view;
      effects.push(fx);
    }
    const reviewed = decisions.find((d) => d.action === "review");
    if (refused === undefined && reviewed !== undefined && plan.executes.length > 1) {
      refused = severalExecutes(reviewed);
    }
    if (refused !== undefined) {
      // Nothing of the batch runs: refused commands are blocked, the others skipped.
      this.prepared.markRefused(refusedParses);
      const rows = plan.executes.map((e, i) => {
        const d = decisions[i] as CommandDecision;
        const status = d.action === "allow" ? "skipped" : "blocked";
        return this.row("extended", e.sql, e.params, d, status, receivedAt);
      });
      if (rows.length > 0) await this.record(rows);
      await this.refuseBatch(this.refusal(refused), sync, last.raw);
      return;
    }
    const rows = plan.executes.map((e, i) =>
      this.row("extended", e.sql, e.params, decisions[i] as CommandDecision, "pending", receivedAt),
    );
    let released = startedAt;
    if (reviewed !== undefined) {
      const verdict = await this.holds.hold(rows, reviewed);
      if (verdict.kind === "refuse") await this.refuseBatch(verdict.error, sync, last.raw);
      if (verdict.kind !== "run") return;
      released = performance.now();
    } else if (rows.length > 0 && !(await this.record(rows))) {
      await this.refuseBatch(unrecorded(), sync, last.raw);
      return;
    }
    const commands: TrackedCommand[] = rows.map((row) => ({ seq: row.seq, startedAt: released }));
    if (this.deps.ending()) {
      for (const command of commands) this.deps.interrupted(command);
      return;
    }
    plan.commit();
    commands.forEach((command, i) => {
      const fx = effects[i];
      if (fx === undefined) return;
      this.sql.forwarded(fx);
      command.effects = fx;
    });
    for (const command of commands) this.deps.tracker.expectExecute(command);
    if (sync) this.deps.tracker.expectSync();
    this.openBatch = !sync;
    this.deps.beforeForward(this.copiesOf(decisions));
    if (sync) this.endCycle();
    await this.forward(joinRaws(messages));
  }

  /** The client gets the error now; ReadyForQuery comes with its Sync, as after a server error. */
  private async refuseBatch(error: Buffer, sync: boolean, syncRaw: Buffer): Promise<void> {
    await this.answer(error, false);
    if (sync) await this.endRefusedBatch(syncRaw);
    else this.skipUntilSync = true;
  }

  /**
   * The Sync that ends a refused batch. When earlier parts of the batch were forwarded
   * (at Flush) the server owes them a ReadyForQuery: forward the Sync alone. Otherwise
   * the gateway answers with the transaction status the server last reported.
   */
  private async endRefusedBatch(syncRaw: Buffer): Promise<void> {
    if (this.openBatch) {
      this.openBatch = false;
      this.deps.tracker.expectSync();
      this.endCycle();
      await this.forward(syncRaw);
      return;
    }
    await this.answer(undefined, true);
  }

  /** COPY messages from `start` on, forwarded together; returns the index of the last one. */
  private async copyRun(messages: readonly FrontendMessage[], start: number): Promise<number> {
    let end = start;
    let bytes = 0;
    for (; end < messages.length; end++) {
      const m = messages[end] as FrontendMessage;
      if (m.type === "copyData") bytes += m.data.length;
      else if (m.type !== "copyDone" && m.type !== "copyFail") break;
    }
    this.deps.tracker.countCopyIn(bytes);
    await this.forward(joinRaws(messages.slice(start, end)));
    return end - 1;
  }

  private row(
    protocol: CommandProtocol,
    sql: string,
    params: unknown[] | null,
    decision: CommandDecision,
    status: CommandRecord["status"],
    receivedAt: Date,
  ): CommandRecord {
    return {
      sessionId: this.deps.sessionId,
      seq: this.nextSeq++,
      protocol,
      sql,
      params,
      decision: decision.decision,
      ruleIds: decision.ruleIds,
      reasons: decision.reasons,
      status,
      receivedAt,
    };
  }

  /** Write-ahead: true once the rows are durable. */
  private async record(rows: CommandRecord[]): Promise<boolean> {
    const writing = this.deps.recording.recordCommands(rows);
    this.recording = writing;
    try {
      await writing;
      return true;
    } catch (err) {
      this.deps.logger.warn({ err, commands: rows.length }, "could not record commands");
      return false;
    } finally {
      this.recording = undefined;
    }
  }

  private async forward(bytes: Buffer): Promise<void> {
    const wait = this.deps.toTarget(bytes);
    if (wait !== undefined) await wait;
  }

  /** ErrorResponse 42501 with the rule's message and what to do. */
  private refusal(decision: CommandDecision): Buffer {
    const { message, hint } = refusalFields(decision, this.deps.facts);
    return encodeErrorResponse({
      severity: "ERROR",
      code: SqlState.insufficientPrivilege,
      message,
      hint,
    });
  }

  /** Bytes of the gateway's own (a NOTICE) after every response owed for earlier messages. */
  private async tell(bytes: Buffer): Promise<void> {
    const settled = this.deps.whenSettled();
    if (settled !== undefined) await settled;
    if (this.deps.ending()) return;
    const wait = this.deps.toClient(bytes);
    if (wait !== undefined) await wait;
  }

  /**
   * The gateway's own answer: `error` (if any) and optionally ReadyForQuery, after
   * every response owed for earlier forwarded messages.
   */
  private async answer(error: Buffer | undefined, readyForQuery: boolean): Promise<void> {
    const settled = this.deps.whenSettled();
    if (settled !== undefined) await settled;
    if (this.deps.ending()) return;
    const parts: Buffer[] = [];
    if (error !== undefined) parts.push(error);
    if (readyForQuery) parts.push(encodeReadyForQuery(this.deps.tracker.transactionStatus));
    const wait = this.deps.toClient(
      parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts),
    );
    if (wait !== undefined) await wait;
  }
}

/** A Bind of a statement whose Parse policy refused earlier in the session. */
function statementRefused(name: string): CommandDecision {
  const which = name === "" ? "the unnamed prepared statement" : `prepared statement "${name}"`;
  return {
    action: "deny",
    decision: "deny",
    ruleIds: [],
    decisiveRuleIds: [],
    reasons: [`${which} was refused by policy when it was parsed, so it cannot be run`],
    statements: [],
  };
}

/** A batch of several Executes where one needs review: refused as a whole. */
function severalExecutes(reviewed: CommandDecision): CommandDecision {
  return {
    action: "deny",
    decision: "review",
    ruleIds: reviewed.ruleIds,
    decisiveRuleIds: reviewed.decisiveRuleIds,
    reasons: [...reviewed.reasons, SEVERAL_EXECUTES_REASON],
    statements: [],
  };
}

function unrecorded(): Buffer {
  return encodeErrorResponse({
    severity: "ERROR",
    code: SqlState.systemError,
    message: UNRECORDED_MESSAGE,
  });
}
