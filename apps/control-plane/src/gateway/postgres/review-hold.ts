// A command that policy sends to review, held in the live session until people decide
// (docs/design/0006-approvals.md): recorded `held` (write-ahead), a review opened, a
// NoticeResponse with the review id sent, then the session waits. Approved → the claim
// (exactly once) moves the record to pending and the caller forwards the bytes. Rejected,
// expired, cancelled → an ErrorResponse naming who decided and why. Fails closed: no
// Redis, no justification where one is required, no record → refused, nothing runs.
//
// `airlock exec --review <id>` sessions carry the review id: their command runs only when
// its text is the approved text byte for byte, by the requester, on the same connection.
import { encodeErrorResponse, encodeNoticeResponse, SqlState } from "@airlock/pg-wire";
import type { Logger } from "pino";
import type { ApprovalsFacade, ReviewSummary } from "../../approvals/approvals.facade";
import { formatDuration } from "../../approvals/format-duration";
import { isDomainError } from "../../errors/grpc-status";
import type { CommandRecord } from "../../recording/recording.types";
import type { CommandDecision, SessionFacts } from "../decision";

export type HoldVerdict =
  /** Claimed: forward the command now (its record is pending). */
  | { kind: "run" }
  /** Not run: answer the client with this ErrorResponse. */
  | { kind: "refuse"; error: Buffer }
  /** The session ended while the command was held. */
  | { kind: "ended" };

export interface ReviewHoldDeps {
  sessionId: string;
  facts: SessionFacts;
  approvals: ApprovalsFacade;
  logger: Logger;
  /** Write-ahead record of the rows; true once durable. */
  record(rows: CommandRecord[]): Promise<boolean>;
  /** Sends bytes to the client after every response owed for earlier messages. */
  tell(bytes: Buffer): Promise<void>;
  /** Aborted when the session ends. */
  ended: AbortSignal;
}

const ACTOR_KIND = "user";

export class ReviewHold {
  private waiting: { id: string; abort: AbortController; cancelled: boolean } | undefined;
  private execReviewUsed = false;

  constructor(private readonly deps: ReviewHoldDeps) {}

  /** Whether a command is held now. */
  get holding(): boolean {
    return this.waiting !== undefined;
  }

  /** Ctrl-C (CancelRequest) while held: withdraw the review. True when something was held. */
  cancel(): boolean {
    const w = this.waiting;
    if (w === undefined) return false;
    w.cancelled = true;
    w.abort.abort();
    return true;
  }

  /** Holds `rows` (one command: its rows are `held`) under `decision`'s review. */
  async hold(rows: CommandRecord[], decision: CommandDecision): Promise<HoldVerdict> {
    const row = rows[rows.length - 1] as CommandRecord;
    const { facts } = this.deps;
    if (facts.reviewId !== null && !this.execReviewUsed) {
      this.execReviewUsed = true;
      return this.runApproved(facts.reviewId, rows, row);
    }
    const requirement = decision.review;
    if (requirement === undefined) {
      return this.blocked(
        rows,
        "policy asked for a review but named no approvers; nothing was run",
      );
    }
    if (requirement.requireJustification && facts.justification === null) {
      return this.blocked(
        rows,
        `rule ${requirement.ruleId} needs a justification before anyone can approve this command; ` +
          `reconnect with \`airlock connect ${facts.connection.name} --reason "…"\` ` +
          `(or \`airlock exec … --reason "…"\`) and send it again`,
      );
    }
    if (!this.deps.approvals.available) {
      return this.blocked(
        rows,
        "approvals need Redis, which is unreachable, so this command cannot be held for review; " +
          "nothing was run. Try again when Redis is back",
      );
    }
    if (!(await this.deps.record(rows.map((r) => ({ ...r, status: "held" as const }))))) {
      return { kind: "refuse", error: unrecorded() };
    }
    let review: ReviewSummary;
    try {
      review = await this.deps.approvals.hold({
        sessionId: this.deps.sessionId,
        seq: row.seq,
        protocol: row.protocol,
        sql: row.sql,
        params: row.params,
        user: { id: facts.userId, name: facts.subject.user, kind: facts.subject.kind ?? "human" },
        connection: { id: facts.connectionId, name: facts.connection.name },
        requirement,
        justification: facts.justification,
      });
    } catch (err) {
      this.deps.logger.warn({ err }, "could not open a review");
      await this.mark(rows, "blocked");
      const message = isDomainError(err)
        ? err.message
        : "Airlock could not open a review for this command, so it was not run";
      return { kind: "refuse", error: refusal(message) };
    }
    await this.deps.tell(holdNotice(review, requirement.timeoutMs));
    return this.await(review, rows, row);
  }

  private async await(
    review: ReviewSummary,
    rows: CommandRecord[],
    row: CommandRecord,
  ): Promise<HoldVerdict> {
    const abort = new AbortController();
    const onEnded = (): void => abort.abort();
    this.deps.ended.addEventListener("abort", onEnded);
    const waiting = { id: review.id, abort, cancelled: false };
    this.waiting = waiting;
    let decided: ReviewSummary | undefined;
    try {
      decided = await this.deps.approvals.waitForDecision(review.id, abort.signal);
    } finally {
      this.waiting = undefined;
      this.deps.ended.removeEventListener("abort", onEnded);
    }
    if (decided === undefined) {
      if (waiting.cancelled) {
        await this.deps.approvals
          .cancel(review.id, this.actor(), "cancelled by the requester (cancel request)")
          .catch((err: unknown) => this.deps.logger.warn({ err }, "could not cancel a review"));
        return { kind: "refuse", error: canceled(review.id) };
      }
      // The client went away: the review stays; `airlock exec --review` can run it later.
      await this.mark(rows, "interrupted");
      return { kind: "ended" };
    }
    switch (decided.status) {
      case "approved": {
        const won = await this.claim(review.id, row);
        if (won) return { kind: "run" };
        return {
          kind: "refuse",
          error: refusal(`review ${review.id} was run by another session; nothing was run here`),
        };
      }
      case "executed":
        return {
          kind: "refuse",
          error: refusal(
            `review ${review.id} was already run by another session; nothing was run here`,
          ),
        };
      case "rejected":
        return {
          kind: "refuse",
          error: refusal(
            `Airlock did not run this command: review ${review.id} (rule ${review.ruleId}) was rejected by ${decided.decidedByName ?? "an approver"}` +
              `${decided.decisionReason === null ? "" : `: ${decided.decisionReason}`}`,
            "Nothing was run. A reject is final; talk to the approver, or change the command and send it again.",
          ),
        };
      case "expired":
        return {
          kind: "refuse",
          error: refusal(
            `Airlock did not run this command: review ${review.id} (rule ${review.ruleId}) expired, ${decided.decisionReason ?? "no decision in time"}`,
            `Nothing was run. Send it again for a new review, and ask ${decided.approverGroups.join(", ")} to decide within its timeout.`,
          ),
        };
      case "cancelled":
        return { kind: "refuse", error: canceled(review.id) };
      case "pending":
        return {
          kind: "refuse",
          error: refusal(`review ${review.id} is still pending; nothing was run`),
        };
    }
  }

  /** `exec --review`: the approved text, by its requester, on its connection, once. */
  private async runApproved(
    id: string,
    rows: CommandRecord[],
    row: CommandRecord,
  ): Promise<HoldVerdict> {
    const { facts } = this.deps;
    const review = await this.deps.approvals.find(id);
    const problem =
      review === null || review.kind !== "command" || review.requesterId !== facts.userId
        ? `no review ${id} of yours to run`
        : review.connectionName !== facts.connection.name
          ? `review ${id} is for connection ${review.connectionName}, not ${facts.connection.name}`
          : review.sql !== row.sql
            ? `this text is not the approved text of review ${id}; send exactly the approved text (airlock exec ${facts.connection.name} --review ${id} does)`
            : review.status !== "approved"
              ? `review ${id} is ${review.status}; only an approved review can be run`
              : undefined;
    if (problem !== undefined) return this.blocked(rows, problem);
    if (!(await this.deps.record(rows.map((r) => ({ ...r, status: "held" as const }))))) {
      return { kind: "refuse", error: unrecorded() };
    }
    if (await this.claim(id, row)) return { kind: "run" };
    await this.mark(rows, "blocked");
    return {
      kind: "refuse",
      error: refusal(`review ${id} was already run; an approval runs once`),
    };
  }

  private async claim(id: string, row: CommandRecord): Promise<boolean> {
    try {
      return await this.deps.approvals.claim(
        id,
        { sessionId: this.deps.sessionId, seq: row.seq },
        this.actor(),
      );
    } catch (err) {
      this.deps.logger.warn({ err, reviewId: id }, "could not claim an approved review");
      return false;
    }
  }

  /** Refused before anything was held: the rows are recorded as blocked. */
  private async blocked(rows: CommandRecord[], message: string): Promise<HoldVerdict> {
    await this.deps.record(
      rows.map((r) => ({ ...r, status: "blocked" as const, reasons: [...r.reasons, message] })),
    );
    return { kind: "refuse", error: refusal(message) };
  }

  private async mark(rows: CommandRecord[], status: "interrupted" | "blocked"): Promise<void> {
    for (const r of rows) {
      await this.deps.approvals
        .markCommand(this.deps.sessionId, r.seq, status)
        .catch((err: unknown) => this.deps.logger.warn({ err }, "could not mark a held command"));
    }
  }

  private actor(): { id: string; name: string; kind: string } {
    const { facts } = this.deps;
    return { id: facts.userId, name: facts.subject.user, kind: facts.subject.kind ?? ACTOR_KIND };
  }
}

/** NOTICE: what is held, by which rule, who must approve, and how. */
export function holdNotice(review: ReviewSummary, timeoutMs: number): Buffer {
  const need = `${review.minApprovals} approval${review.minApprovals === 1 ? "" : "s"}`;
  return encodeNoticeResponse({
    severity: "NOTICE",
    code: "01000",
    message:
      `Airlock is holding this command for review ${review.id} (rule ${review.ruleId}): ` +
      `needs ${need} from ${review.approverGroups.join(", ")} within ${formatDuration(timeoutMs)}`,
    hint: `approve it with: airlock reviews approve ${review.id}`,
  });
}

function refusal(message: string, hint?: string): Buffer {
  return encodeErrorResponse({
    severity: "ERROR",
    code: SqlState.insufficientPrivilege,
    message,
    ...(hint === undefined ? {} : { hint }),
  });
}

function canceled(id: string): Buffer {
  return encodeErrorResponse({
    severity: "ERROR",
    code: SqlState.queryCanceled,
    message: "canceling statement due to user request",
    detail: `review ${id} was withdrawn; nothing was run`,
  });
}

function unrecorded(): Buffer {
  return encodeErrorResponse({
    severity: "ERROR",
    code: SqlState.systemError,
    message: "Airlock could not record this command, so it was not run",
  });
}
