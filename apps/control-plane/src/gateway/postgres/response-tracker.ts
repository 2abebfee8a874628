// Which forwarded command each backend message belongs to. A pure state machine:
// the session tells it what it forwarded (expect*), feeds it every backend message
// (observe) and gets each command's outcome through `onComplete`, in order.
//
//   simple Query / FunctionCall  completes at ReadyForQuery (multi-statement: rows
//                                summed, last tag kept, first error recorded)
//   Execute                      completes at CommandComplete, EmptyQueryResponse,
//                                PortalSuspended or ErrorResponse
//   Sync                         its ReadyForQuery ends the batch: Executes still
//                                waiting were skipped by the server (after an error)
import { type BackendMessage, decodeDataRowValues, type TransactionStatus } from "@airlock/pg-wire";
import { rowsFromTag } from "./command-tag";
import { type ResultSample, SampleBuilder, type SampleLimits } from "./result-sample";

export interface Outcome {
  status: "ok" | "error" | "skipped" | "interrupted";
  rowCount: number | null;
  commandTag: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  copyDirection: "in" | "out" | null;
  copyBytes: number | null;
  /** Values the connector masked, per entity; null when nothing was masked. */
  maskCounts: Record<string, number> | null;
  /** The first rows of the result (masked), when sampling is on. */
  resultSample: ResultSample | null;
}

interface Entry<C> {
  readonly kind: "query" | "execute" | "sync";
  readonly command: C | undefined;
  rows: number;
  counted: boolean;
  /** DataRows since the last CommandComplete. */
  statementRows: number;
  tag: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  copyDirection: "in" | "out" | null;
  copyBytes: number | null;
  copyActive: boolean;
  maskCounts: Record<string, number> | null;
  sample: SampleBuilder | undefined;
}

export class ResponseTracker<C> {
  private queue: Entry<C>[] = [];
  private failedUntilSync = false;
  private status: TransactionStatus = "I";

  constructor(
    private readonly onComplete: (command: C, outcome: Outcome) => void,
    /** Keep the first rows of each result (undefined, or 0 rows: keep none). */
    private readonly sampleLimits?: SampleLimits,
  ) {}

  /** A simple Query (or FunctionCall) was forwarded. */
  expectQuery(command: C): void {
    this.queue.push(this.withSample(entry("query", command)));
  }

  /** An Execute was forwarded. */
  expectExecute(command: C): void {
    this.queue.push(this.withSample(entry("execute", command)));
  }

  /** The connector's masking counts for the command whose completion comes next. */
  addMaskCounts(counts: Readonly<Record<string, number>>): void {
    const head = this.queue.find((e) => e.command !== undefined);
    if (head === undefined) return;
    const into = (head.maskCounts ??= {});
    for (const [entity, n] of Object.entries(counts)) into[entity] = (into[entity] ?? 0) + n;
  }

  /** A Sync was forwarded. */
  expectSync(): void {
    this.queue.push(entry<C>("sync", undefined));
  }

  /** The transaction status of the last ReadyForQuery ('I' before the first). */
  get transactionStatus(): TransactionStatus {
    return this.status;
  }

  /** Nothing forwarded is waiting for any response (no command, no Sync). */
  get idle(): boolean {
    return this.queue.length === 0;
  }

  /** Commands forwarded and not complete yet. */
  get pendingCommands(): number {
    let n = 0;
    for (const e of this.queue) if (e.command !== undefined) n++;
    return n;
  }

  /**
   * Nothing forwarded is still owed a response, so the gateway may answer the client
   * itself without reordering: no Query or Sync is waiting for its ReadyForQuery, and
   * the Executes of a batch not synced yet have all completed (or the server skips
   * them after an error until the next Sync).
   */
  get settled(): boolean {
    for (const e of this.queue) if (e.kind !== "execute") return false;
    return this.queue.length === 0 || this.failedUntilSync;
  }

  /** CopyData bytes the client sent for the running COPY … FROM STDIN. */
  countCopyIn(bytes: number): void {
    const head = this.queue[0];
    if (head?.copyActive && head.copyDirection === "in")
      head.copyBytes = (head.copyBytes ?? 0) + bytes;
  }

  observe(msg: BackendMessage): void {
    const head = this.queue[0];
    switch (msg.type) {
      case "dataRow":
        if (head !== undefined) {
          head.statementRows++;
          if (head.sample?.wants === true) head.sample.row(decodeDataRowValues(msg));
        }
        return;
      case "rowDescription":
        head?.sample?.describe(msg);
        return;
      case "commandComplete":
        if (head === undefined || head.kind === "sync") return;
        endStatement(head, msg.tag);
        head.sample?.endResult();
        if (head.kind === "execute") this.complete("ok");
        return;
      case "emptyQueryResponse":
        if (head?.kind === "execute") this.complete("ok");
        return;
      case "portalSuspended":
        if (head?.kind !== "execute") return;
        head.rows += head.statementRows;
        head.counted = true;
        this.complete("ok");
        return;
      case "errorResponse":
        this.onError(head, msg.fields.code, msg.fields.message);
        return;
      case "copyInResponse":
        startCopy(head, "in");
        return;
      case "copyOutResponse":
      case "copyBothResponse":
        startCopy(head, "out");
        return;
      case "copyData":
        if (head?.copyActive) {
          head.copyBytes = (head.copyBytes ?? 0) + msg.data.length;
          if (head.copyDirection === "out" && head.sample?.wants === true) {
            head.sample.copyData(msg.data);
          }
        }
        return;
      case "copyDone":
        if (head !== undefined) head.copyActive = false;
        return;
      case "readyForQuery":
        this.status = msg.status;
        this.failedUntilSync = false;
        this.endUnit();
        return;
      default:
        return;
    }
  }

  /** The session ended: every command still waiting is interrupted. */
  interruptAll(): void {
    const queue = this.queue;
    this.queue = [];
    for (const e of queue) if (e.command !== undefined) this.emit(e, "interrupted");
  }

  private onError(head: Entry<C> | undefined, code: string, message: string): void {
    // No command waiting: an asynchronous error (e.g. FATAL on termination).
    if (head === undefined) return;
    head.copyActive = false;
    if (head.kind === "sync") {
      this.failedUntilSync = true;
      return;
    }
    if (head.errorCode === null) {
      head.errorCode = code;
      head.errorMessage = message;
    }
    if (head.kind === "execute") {
      this.failedUntilSync = true;
      head.rows += head.statementRows;
      head.counted ||= head.statementRows > 0;
      this.complete("error");
    }
  }

  /** The head Execute completed. */
  private complete(status: "ok" | "error"): void {
    const head = this.queue.shift();
    if (head !== undefined) this.emit(head, status);
  }

  /** ReadyForQuery: the head Query completes, or the batch up to its Sync ends. */
  private endUnit(): void {
    while (this.queue.length > 0) {
      const e = this.queue.shift() as Entry<C>;
      if (e.kind === "execute") {
        this.emit(e, "skipped");
        continue;
      }
      if (e.kind === "query") this.emit(e, e.errorCode === null ? "ok" : "error");
      return;
    }
  }

  private emit(e: Entry<C>, status: Outcome["status"]): void {
    if (e.command === undefined) return;
    this.onComplete(e.command, {
      status,
      rowCount: e.counted ? e.rows : null,
      commandTag: e.tag,
      errorCode: e.errorCode,
      errorMessage: e.errorMessage,
      copyDirection: e.copyDirection,
      copyBytes: e.copyBytes,
      maskCounts: e.maskCounts,
      resultSample: e.sample?.build() ?? null,
    });
  }

  private withSample(e: Entry<C>): Entry<C> {
    if (this.sampleLimits !== undefined && this.sampleLimits.rows > 0) {
      e.sample = new SampleBuilder(this.sampleLimits);
    }
    return e;
  }
}

function entry<C>(kind: Entry<C>["kind"], command: C | undefined): Entry<C> {
  return {
    kind,
    command,
    rows: 0,
    counted: false,
    statementRows: 0,
    tag: null,
    errorCode: null,
    errorMessage: null,
    copyDirection: null,
    copyBytes: null,
    copyActive: false,
    maskCounts: null,
    sample: undefined,
  };
}

function endStatement<C>(e: Entry<C>, tag: string): void {
  const fromTag = rowsFromTag(tag);
  if (fromTag !== null || e.statementRows > 0) {
    e.rows += fromTag ?? e.statementRows;
    e.counted = true;
  }
  e.statementRows = 0;
  e.tag = tag;
  e.copyActive = false;
}

function startCopy<C>(head: Entry<C> | undefined, direction: "in" | "out"): void {
  if (head === undefined || head.kind === "sync") return;
  head.copyDirection = direction;
  head.copyBytes ??= 0;
  head.copyActive = true;
}
