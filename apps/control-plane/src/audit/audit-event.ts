// The audit event as stored and exported (docs/design/0010-audit.md), and the chain's hash.
// Pure: the sealer, the verifier and the exporters all use these, so they cannot disagree.
import { createHash } from "node:crypto";
import { canonicalJson } from "../policies/canonical-json";

/** What a writer gives; the chain fields are added by the sealer. */
export interface AuditRecord {
  /** Stable code, `<area>.<event>` (e.g. `command.deny`, `session.started`); see AUDIT_CODES. */
  code: string;
  /** Explicit outcome, e.g. succeeded, failed, allowed, denied, held, approved, rejected, expired. */
  outcome: string;
  /** When it happened; default now. */
  at?: Date;
  actorId?: string | null;
  actorName?: string | null;
  /** `human` or `service_account` (null for the system itself). */
  actorKind?: string | null;
  sessionId?: string | null;
  reviewId?: string | null;
  grantId?: string | null;
  connectionName?: string | null;
  connectorName?: string | null;
  sourceAddress?: string | null;
  /**
   * Links related events: the session id for everything inside a session (its commands,
   * their reviews, masking); the request's review id for an access grant's events.
   */
  correlationId?: string | null;
  /** The exact command (SQL) the event is about. */
  command?: string | null;
  ruleIds?: readonly string[];
  data?: Record<string, unknown>;
}

/** A stored event, as read back (the shape the chain, the export and replay see). */
export interface AuditEventRow {
  id: bigint;
  code: string;
  outcome: string;
  at: Date;
  actorId: string | null;
  actorName: string | null;
  actorKind: string | null;
  sessionId: string | null;
  reviewId: string | null;
  grantId: string | null;
  connectionName: string | null;
  connectorName: string | null;
  sourceAddress: string | null;
  correlationId: string | null;
  command: string | null;
  ruleIds: string[];
  data: Record<string, unknown>;
}

/** A sealed event: its place in the chain. */
export interface SealedAuditEvent extends AuditEventRow {
  seq: bigint;
  prevHash: Buffer;
  hash: Buffer;
}

/** Every audit event code Airlock writes (docs/design/0010-audit.md, "The event"). */
export const AUDIT_CODES = [
  "auth.login",
  "auth.logout",
  "auth.refresh_reuse",
  "auth.idp_revoked",
  "session.started",
  "session.ended",
  "session.refused",
  "command.allow",
  "command.deny",
  "command.review",
  "command.masked",
  "connector.masking_violation",
  "review.requested",
  "review.vote",
  "review.approved",
  "review.rejected",
  "review.expired",
  "review.cancelled",
  "review.executed",
  "grant.requested",
  "grant.issued",
  "grant.expired",
  "grant.revoked",
  "policy.changed",
  "policy.deleted",
  "connection.created",
  "connection.changed",
  "connection.deleted",
  "connector.created",
  "connector.deleted",
  "connector.token_created",
  "connector.token_revoked",
  "connector.connected",
  "connector.disconnected",
  "api_key.created",
  "api_key.revoked",
  "api_key.rotated",
  "user.created",
  "user.changed",
  "webhook.created",
  "webhook.deleted",
  "audit.exported",
  "audit.retention",
  "audit.sink_created",
  "audit.sink_deleted",
] as const;
export type AuditCode = (typeof AUDIT_CODES)[number];

/** An event with every optional field empty, for synthetic events (a sink's test message). */
export function blankEvent(
  required: Pick<AuditEventRow, "id" | "code" | "outcome" | "at">,
  rest: Partial<AuditEventRow> = {},
): AuditEventRow {
  return {
    actorId: null,
    actorName: null,
    actorKind: null,
    sessionId: null,
    reviewId: null,
    grantId: null,
    connectionName: null,
    connectorName: null,
    sourceAddress: null,
    correlationId: null,
    command: null,
    ruleIds: [],
    data: {},
    ...required,
    ...rest,
  };
}

/** The chain's first prev_hash. */
export const GENESIS_HASH = Buffer.alloc(32);

/**
 * What the hash covers: every field, the seq included (so moving an event breaks it), in a
 * fixed order, the data canonical (JSONB does not keep key order).
 */
export function canonicalEvent(seq: bigint, e: AuditEventRow): string {
  return canonicalJson([
    "airlock-audit-v1",
    seq.toString(),
    e.id.toString(),
    e.code,
    e.outcome,
    e.at.toISOString(),
    e.actorId,
    e.actorName,
    e.actorKind,
    e.sessionId,
    e.reviewId,
    e.grantId,
    e.connectionName,
    e.connectorName,
    e.sourceAddress,
    e.correlationId,
    e.command,
    e.ruleIds,
    e.data,
  ]);
}

/** hash(n) = SHA-256(prev_hash || canonical event n). */
export function chainHash(prevHash: Buffer, seq: bigint, e: AuditEventRow): Buffer {
  return createHash("sha256").update(prevHash).update(canonicalEvent(seq, e), "utf8").digest();
}

/** The bytes a checkpoint signs. */
export function checkpointMessage(seq: bigint, hash: Buffer): Buffer {
  return Buffer.from(`airlock-audit-checkpoint-v1|${seq.toString()}|${hash.toString("hex")}`);
}
