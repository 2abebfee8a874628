// What the data path records: the session row, each command written ahead of
// forwarding, and each command's completion (docs/design/0002-postgres-path.md).

export type CommandProtocol = "simple" | "extended" | "function_call";
export type CommandDecisionValue = "allow" | "deny" | "review";
export type CommandFinalStatus = "ok" | "error" | "skipped" | "interrupted";
export type CommandStatusValue =
  "pending" | "held" | "blocked" | "rejected" | "expired" | "cancelled" | CommandFinalStatus;
export type SessionEndStatus = "closed" | "failed";

/** A command as decided, written (durably) before it may be forwarded. */
export interface CommandRecord {
  sessionId: string;
  /** Order within the session, from 1, assigned by the session. */
  seq: number;
  protocol: CommandProtocol;
  sql: string;
  /** Bound parameters: text values as strings, binary as {hex}; null for none. */
  params: unknown[] | null;
  decision: CommandDecisionValue;
  ruleIds: string[];
  reasons: string[];
  /**
   * `pending` for a command about to be forwarded; `held` for one waiting for review;
   * `blocked`/`skipped` for one that never is.
   */
  status: "pending" | "held" | "blocked" | "skipped";
  receivedAt: Date;
}

/** What came back for a forwarded command (not write-ahead: batched). */
export interface CommandCompletion {
  sessionId: string;
  seq: number;
  status: CommandFinalStatus;
  completedAt: Date;
  durationMs: number;
  rowCount: number | null;
  commandTag: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  copyDirection: "in" | "out" | null;
  copyBytes: number | null;
  /** Values the connector masked, per entity. */
  maskCounts: Record<string, number> | null;
  /** The first rows of the masked result (docs/design/0007-masking.md). */
  resultSample: unknown;
}

export interface SessionStart {
  id: string;
  userId: string;
  connectionId: string;
  connectorId: string;
  connectionName: string;
  protocol: string;
  clientAddress: string | null;
}

export interface SessionEnd {
  status: SessionEndStatus;
  endedAt: Date;
  closeCode: string;
  closeReason: string;
}
