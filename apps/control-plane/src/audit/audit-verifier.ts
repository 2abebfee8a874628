// Verification of the audit chain (docs/design/0010-audit.md): walks the sealed events from
// the newest signed checkpoint before the range through its end, and names every edit,
// deletion, insertion, reordering, forged or rewritten checkpoint, backdated or unsealed
// event it finds.
import { Injectable } from "@nestjs/common";
import { chainHash, GENESIS_HASH } from "./audit-event";
import { AuditChainRepository, type Checkpoint } from "./audit-chain.repository";
import { AuditSealer } from "./audit-sealer";

const PAGE = 5000;
/** Replicas' clocks may differ this much; an event older than its predecessor by more is backdated. */
const CLOCK_TOLERANCE_MS = 5000;
/** Events the sealer should have taken by now. */
const UNSEALED_AFTER_MS = 60_000;

export type ProblemKind =
  | "edited"
  | "deleted"
  | "inserted_or_reordered"
  | "checkpoint_forged"
  | "checkpoint_rewritten"
  | "backdated"
  | "unsealed"
  | "start_missing";

export interface VerifyProblem {
  kind: ProblemKind;
  seq: string | null;
  id: string | null;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  from: string | null;
  to: string | null;
  firstSeq: string | null;
  lastSeq: string | null;
  /** Events in the requested range that were checked. */
  events: number;
  /** Signed checkpoints checked on the way. */
  checkpoints: number;
  lastCheckpoint: { seq: string; at: string } | null;
  problems: VerifyProblem[];
}

@Injectable()
export class AuditVerifier {
  constructor(
    private readonly repo: AuditChainRepository,
    private readonly sealer: AuditSealer,
  ) {}

  async verify(range: { from?: Date; to?: Date } = {}): Promise<VerifyResult> {
    const problems: VerifyProblem[] = [];
    const result = (over: Partial<VerifyResult>): VerifyResult => ({
      ok: problems.length === 0,
      from: range.from?.toISOString() ?? null,
      to: range.to?.toISOString() ?? null,
      firstSeq: null,
      lastSeq: null,
      events: 0,
      checkpoints: 0,
      lastCheckpoint: null,
      problems,
      ...over,
    });
    const unsealed = await this.repo.unsealedBefore(new Date(Date.now() - UNSEALED_AFTER_MS));
    if (unsealed > 0) {
      problems.push({
        kind: "unsealed",
        seq: null,
        id: null,
        message: `${unsealed} event(s) older than a minute are not sealed into the chain: the sealer is not running, or rows were inserted with forged chain fields missing`,
      });
    }
    const latest = await this.repo.latestCheckpoint();
    const lastCheckpoint =
      latest === null ? null : { seq: latest.seq.toString(), at: latest.at.toISOString() };
    const bounds = await this.repo.bounds();
    if (bounds === null) {
      // No event left while a checkpoint vouches for some: they were deleted (retention
      // always leaves its own audit.retention event after the checkpoint it keeps).
      if (latest !== null) {
        problems.push({
          kind: "deleted",
          seq: null,
          id: null,
          message: `every event is missing, though a signed checkpoint covers events up to ${latest.seq} (deleted)`,
        });
      }
      return result({ lastCheckpoint });
    }
    const start =
      range.from === undefined ? bounds.min : await this.repo.firstSeqAtOrAfter(range.from);
    const end = range.to === undefined ? bounds.max : await this.repo.lastSeqAtOrBefore(range.to);
    if (start === null || end === null || start > end) return result({ lastCheckpoint });

    // Where the walk begins: the newest checkpoint before the range, else the chain's start.
    const anchor = await this.repo.checkpointAtOrBefore(start - 1n);
    let expectedSeq = anchor === null ? 1n : anchor.seq + 1n;
    let expectedPrev: Buffer | null = anchor === null ? GENESIS_HASH : anchor.hash;
    let checkpointsChecked = 0;
    if (anchor !== null) {
      // Only the oldest checkpoint (retention's anchor) may stand for events that are gone;
      // from any other, the walk starts at its own event, which must still be there.
      const earliest = await this.repo.earliestCheckpoint();
      if (earliest !== null && earliest.seq !== anchor.seq) {
        expectedSeq = anchor.seq;
        expectedPrev = null;
      } else {
        checkpointsChecked += 1;
        this.checkSignature(anchor, problems);
        // Events before it may be gone only because a retention run (itself in the chain,
        // after the anchor) pruned them; otherwise someone deleted them and older checkpoints.
        if (bounds.min > 1n && !(await this.repo.retentionAnnounced(anchor.seq))) {
          problems.push({
            kind: "start_missing",
            seq: "1",
            id: null,
            message: `events 1…${anchor.seq} and their checkpoints are gone, and no retention run in the chain accounts for it (deleted)`,
          });
        }
      }
    }
    if (bounds.min > expectedSeq) {
      problems.push({
        kind: anchor === null ? "start_missing" : "deleted",
        seq: expectedSeq.toString(),
        id: null,
        message:
          anchor === null
            ? `events ${expectedSeq}…${bounds.min - 1n} are missing and no signed checkpoint anchors the chain after them`
            : `events ${expectedSeq}…${bounds.min - 1n} after the checkpoint at seq ${anchor.seq} are missing (deleted)`,
      });
      expectedSeq = bounds.min;
      expectedPrev = null;
    }
    const checkpoints = new Map(
      (await this.repo.checkpointsBetween(expectedSeq, end)).map((c) => [c.seq, c]),
    );
    let events = 0;
    let previousAt: Date | null = null;
    let cursor = expectedSeq - 1n;
    for (;;) {
      const page = await this.repo.sealedAfter(cursor, PAGE);
      if (page.length === 0) break;
      for (const e of page) {
        if (e.seq > end) break;
        const where = { seq: e.seq.toString(), id: e.id.toString() };
        if (e.seq !== expectedSeq) {
          problems.push({
            kind: "deleted",
            ...where,
            message: `events ${expectedSeq}…${e.seq - 1n} are missing before event ${e.seq} (deleted)`,
          });
          expectedPrev = null;
        }
        if (expectedPrev !== null && !e.prevHash.equals(expectedPrev)) {
          problems.push({
            kind: "inserted_or_reordered",
            ...where,
            message: `event ${e.seq} does not follow the event before it in the chain (an event was inserted, removed or moved here)`,
          });
        }
        if (!chainHash(e.prevHash, e.seq, e).equals(e.hash)) {
          problems.push({
            kind: "edited",
            ...where,
            message: `event ${e.seq} (${e.code}) was changed after it was sealed: its content no longer matches its hash`,
          });
        }
        if (previousAt !== null && e.at.getTime() < previousAt.getTime() - CLOCK_TOLERANCE_MS) {
          problems.push({
            kind: "backdated",
            ...where,
            message: `event ${e.seq} is dated ${e.at.toISOString()}, before the event sealed ahead of it (${previousAt.toISOString()}): it was inserted with a false time`,
          });
        }
        const checkpoint = checkpoints.get(e.seq);
        checkpoints.delete(e.seq);
        if (checkpoint !== undefined) {
          checkpointsChecked += 1;
          this.checkSignature(checkpoint, problems);
          if (!checkpoint.hash.equals(e.hash)) {
            problems.push({
              kind: "checkpoint_rewritten",
              ...where,
              message: `the signed checkpoint at event ${e.seq} does not match the chain: events up to it were rewritten and re-hashed`,
            });
          }
        }
        if (e.seq >= start) events += 1;
        previousAt = e.at;
        expectedPrev = e.hash;
        expectedSeq = e.seq + 1n;
      }
      const last = page[page.length - 1];
      if (last === undefined || last.seq >= end) break;
      cursor = last.seq;
    }
    for (const missing of checkpoints.values()) {
      problems.push({
        kind: "deleted",
        seq: missing.seq.toString(),
        id: null,
        message: `the event at the signed checkpoint ${missing.seq} is missing (deleted)`,
      });
    }
    // The tail: a checkpoint newer than the newest event means events after it were deleted.
    if (range.to === undefined && latest !== null && latest.seq > bounds.max) {
      problems.push({
        kind: "deleted",
        seq: (bounds.max + 1n).toString(),
        id: null,
        message: `events ${bounds.max + 1n}…${latest.seq} are missing: a signed checkpoint covers them (deleted from the end)`,
      });
    }
    if (expectedSeq <= end) {
      problems.push({
        kind: "deleted",
        seq: expectedSeq.toString(),
        id: null,
        message: `events ${expectedSeq}…${end} are missing at the end of the range (deleted)`,
      });
    }
    return result({
      firstSeq: start.toString(),
      lastSeq: end.toString(),
      events,
      checkpoints: checkpointsChecked,
      lastCheckpoint,
    });
  }

  private checkSignature(c: Checkpoint, problems: VerifyProblem[]): void {
    if (
      c.keyId === this.sealer.signer.keyId &&
      this.sealer.signer.verify(c.seq, c.hash, c.signature)
    )
      return;
    problems.push({
      kind: "checkpoint_forged",
      seq: c.seq.toString(),
      id: null,
      message: `the checkpoint at event ${c.seq} is not signed by this installation's audit key (key ${c.keyId}): it was forged or altered`,
    });
  }
}
