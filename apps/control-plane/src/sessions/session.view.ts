// The API representation of recorded sessions and commands. 64-bit counters become
// JSON numbers (exact up to 2^53, far beyond any row or byte count a session reaches).
import type { ReviewView } from "../approvals/approval.schemas";
import { iso } from "../validation/common.schemas";
import type { CommandRecord, SessionRecord, SessionWithCommands } from "./sessions.repository";
import type { CommandView, SessionDetail, SessionView } from "./session.schemas";

export function toSessionView(row: SessionRecord): SessionView {
  return {
    id: row.id,
    user: { id: row.user.id, name: row.user.name, kind: row.user.kind, owner: row.user.owner },
    connection: { id: row.connectionId, name: row.connectionName },
    connector: row.connector === null ? null : { id: row.connector.id, name: row.connector.name },
    protocol: row.protocol,
    clientAddress: row.clientAddress,
    status: row.status,
    startedAt: iso(row.startedAt),
    endedAt: iso(row.endedAt),
    closeCode: row.closeCode,
    closeReason: row.closeReason,
    commandCount: row._count.commands,
  };
}

export function toSessionDetail(row: SessionWithCommands, reviews: ReviewView[]): SessionDetail {
  return { ...toSessionView(row), commands: row.commands.map(toCommandView), reviews };
}

export function toCommandView(row: CommandRecord): CommandView {
  return {
    seq: row.seq,
    protocol: row.protocol,
    sql: row.sql,
    params: row.params ?? null,
    decision: row.decision,
    ruleIds: row.ruleIds,
    reasons: row.reasons,
    status: row.status,
    receivedAt: iso(row.receivedAt),
    completedAt: iso(row.completedAt),
    durationMs: row.durationMs,
    rowCount: toNumber(row.rowCount),
    commandTag: row.commandTag,
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    copyDirection: row.copyDirection,
    copyBytes: toNumber(row.copyBytes),
    reviewId: row.reviewId,
    maskCounts: (row.maskCounts ?? null) as CommandView["maskCounts"],
    resultSample: (row.resultSample ?? null) as CommandView["resultSample"],
  };
}

function toNumber(value: bigint | null): number | null {
  return value === null ? null : Number(value);
}
