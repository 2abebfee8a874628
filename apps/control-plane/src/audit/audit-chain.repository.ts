// The audit chain's SQL (docs/design/0010-audit.md): sealing unsealed events in one
// transaction under an advisory lock (one sealer at a time in the cluster), reading sealed
// events by seq for export and verification, and checkpoints. A small pg pool of its own,
// so sealing never waits behind the API's queries.
import { Inject, Injectable, type OnApplicationShutdown } from "@nestjs/common";
import pg from "pg";
import { APP_CONFIG } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import type { AuditEventRow, SealedAuditEvent } from "./audit-event";

/** pg_advisory_xact_lock key of the sealer ("airlock audit sealer"). */
const SEALER_LOCK = 0x41_75_64_69_74_53_65_61n;

const EVENT_COLUMNS = `id, code, outcome, at, actor_id, actor_name, actor_kind, session_id, review_id,
  grant_id, connection_name, connector_name, source_address, correlation_id, command,
  coalesce(rule_ids, '{}') AS rule_ids, data`;

/** An audit_events row as pg returns it (snake_case, 64-bit ids as strings). */
export interface EventDbRow {
  id: string;
  code: string;
  outcome: string;
  at: Date;
  actor_id: string | null;
  actor_name: string | null;
  actor_kind: string | null;
  session_id: string | null;
  review_id: string | null;
  grant_id: string | null;
  connection_name: string | null;
  connector_name: string | null;
  source_address: string | null;
  correlation_id: string | null;
  command: string | null;
  rule_ids: string[];
  data: Record<string, unknown>;
  seq?: string | null;
  prev_hash?: Buffer | null;
  hash?: Buffer | null;
}

export interface Checkpoint {
  seq: bigint;
  hash: Buffer;
  at: Date;
  keyId: string;
  signature: Buffer;
}

/** What one sealing transaction did. */
export interface SealOutcome {
  sealed: number;
  /** The newest sealed event after the run (null: the chain is empty). */
  head: { seq: bigint; hash: Buffer; at: Date } | null;
}

/** A stored row as the event the chain hashes. */
export function eventFromDbRow(r: EventDbRow): AuditEventRow {
  return {
    id: BigInt(r.id),
    code: r.code,
    outcome: r.outcome,
    at: r.at,
    actorId: r.actor_id,
    actorName: r.actor_name,
    actorKind: r.actor_kind,
    sessionId: r.session_id,
    reviewId: r.review_id,
    grantId: r.grant_id,
    connectionName: r.connection_name,
    connectorName: r.connector_name,
    sourceAddress: r.source_address,
    correlationId: r.correlation_id,
    command: r.command,
    ruleIds: r.rule_ids,
    data: r.data,
  };
}

function toSealed(r: EventDbRow): SealedAuditEvent {
  return {
    ...eventFromDbRow(r),
    seq: BigInt(r.seq as string),
    prevHash: r.prev_hash as Buffer,
    hash: r.hash as Buffer,
  };
}

function toCheckpoint(r: {
  seq: string;
  hash: Buffer;
  at: Date;
  key_id: string;
  signature: Buffer;
}): Checkpoint {
  return { seq: BigInt(r.seq), hash: r.hash, at: r.at, keyId: r.key_id, signature: r.signature };
}

@Injectable()
export class AuditChainRepository implements OnApplicationShutdown {
  private readonly pool: pg.Pool;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: 3,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      application_name: "airlock-audit",
    });
    this.pool.on("error", () => undefined);
  }

  /**
   * Seals up to `limit` unsealed events in id order, if no other sealer holds the lock:
   * `seal(head, rows)` returns each row's (seq, prevHash, hash); they are written in the
   * same transaction. Returns what was sealed and the chain head.
   */
  async sealBatch(
    limit: number,
    seal: (
      head: { seq: bigint; hash: Buffer } | null,
      rows: AuditEventRow[],
    ) => Array<{ id: bigint; seq: bigint; prevHash: Buffer; hash: Buffer }>,
  ): Promise<SealOutcome | null> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const locked = await client.query<{ ok: boolean }>(
        "SELECT pg_try_advisory_xact_lock($1) AS ok",
        [SEALER_LOCK.toString()],
      );
      if (locked.rows[0]?.ok !== true) {
        await client.query("ROLLBACK");
        return null;
      }
      const headRows = await client.query<{ seq: string; hash: Buffer; at: Date }>(
        "SELECT seq, hash, at FROM audit_events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1",
      );
      const head = headRows.rows[0] ?? (await this.anchor(client));
      const pending = await client.query<EventDbRow>(
        `SELECT ${EVENT_COLUMNS} FROM audit_events WHERE seq IS NULL ORDER BY id LIMIT $1`,
        [limit],
      );
      const headFact =
        head === undefined ? null : { seq: BigInt(head.seq), hash: head.hash, at: head.at };
      if (pending.rows.length === 0) {
        await client.query("COMMIT");
        return { sealed: 0, head: headFact };
      }
      const rows = pending.rows.map(eventFromDbRow);
      const sealed = seal(headFact, rows);
      await client.query(
        `UPDATE audit_events a SET seq = u.seq, prev_hash = u.prev_hash, hash = u.hash
         FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::bytea[]) AS u(id, seq, prev_hash, hash)
         WHERE a.id = u.id`,
        [
          sealed.map((s) => s.id.toString()),
          sealed.map((s) => s.seq.toString()),
          sealed.map((s) => s.prevHash),
          sealed.map((s) => s.hash),
        ],
      );
      await client.query("COMMIT");
      const last = sealed[sealed.length - 1] as { seq: bigint; hash: Buffer };
      const lastRow = rows[rows.length - 1] as AuditEventRow;
      return { sealed: sealed.length, head: { seq: last.seq, hash: last.hash, at: lastRow.at } };
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** When every event was pruned, the chain continues from the newest checkpoint. */
  private async anchor(
    client: pg.PoolClient,
  ): Promise<{ seq: string; hash: Buffer; at: Date } | undefined> {
    const rows = await client.query<{ seq: string; hash: Buffer; at: Date }>(
      "SELECT seq, hash, at FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
    );
    return rows.rows[0];
  }

  /** Sealed events with seq > cursor, in seq order. */
  async sealedAfter(cursor: bigint, limit: number): Promise<SealedAuditEvent[]> {
    const res = await this.pool.query<EventDbRow>(
      `SELECT ${EVENT_COLUMNS}, seq, prev_hash, hash FROM audit_events
       WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [cursor.toString(), limit],
    );
    return res.rows.map(toSealed);
  }

  /** The seq of the first sealed event at or after `at`, or null. */
  async firstSeqAtOrAfter(at: Date): Promise<bigint | null> {
    const res = await this.pool.query<{ seq: string | null }>(
      "SELECT min(seq)::text AS seq FROM audit_events WHERE seq IS NOT NULL AND at >= $1",
      [at],
    );
    const seq = res.rows[0]?.seq;
    return seq === null || seq === undefined ? null : BigInt(seq);
  }

  /** The seq of the last sealed event at or before `at`, or null. */
  async lastSeqAtOrBefore(at: Date): Promise<bigint | null> {
    const res = await this.pool.query<{ seq: string | null }>(
      "SELECT max(seq)::text AS seq FROM audit_events WHERE seq IS NOT NULL AND at <= $1",
      [at],
    );
    const seq = res.rows[0]?.seq;
    return seq === null || seq === undefined ? null : BigInt(seq);
  }

  /** The lowest and highest sealed seq (null when nothing is sealed). */
  async bounds(): Promise<{ min: bigint; max: bigint } | null> {
    const res = await this.pool.query<{ min: string | null; max: string | null }>(
      "SELECT min(seq)::text AS min, max(seq)::text AS max FROM audit_events WHERE seq IS NOT NULL",
    );
    const r = res.rows[0];
    if (r?.min == null || r.max == null) return null;
    return { min: BigInt(r.min), max: BigInt(r.max) };
  }

  /** Unsealed events older than `before` (the sealer should have taken them). */
  async unsealedBefore(before: Date): Promise<number> {
    const res = await this.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_events WHERE seq IS NULL AND at < $1",
      [before],
    );
    return res.rows[0]?.n ?? 0;
  }

  async insertCheckpoint(c: Checkpoint): Promise<void> {
    await this.pool.query(
      `INSERT INTO audit_checkpoints (seq, hash, at, key_id, signature) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (seq) DO NOTHING`,
      [c.seq.toString(), c.hash, c.at, c.keyId, c.signature],
    );
  }

  async latestCheckpoint(): Promise<Checkpoint | null> {
    const res = await this.pool.query<Parameters<typeof toCheckpoint>[0]>(
      "SELECT seq, hash, at, key_id, signature FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
    );
    return res.rows[0] === undefined ? null : toCheckpoint(res.rows[0]);
  }

  /** Whether a sealed retention run announced pruning up to `seq` (audit.retention). */
  async retentionAnnounced(seq: bigint): Promise<boolean> {
    const res = await this.pool.query(
      `SELECT 1 FROM audit_events WHERE code = 'audit.retention' AND seq IS NOT NULL
       AND data->>'auditAnchorSeq' = $1 LIMIT 1`,
      [seq.toString()],
    );
    return (res.rowCount ?? 0) > 0;
  }

  /** The oldest checkpoint: after retention, the chain's start. */
  async earliestCheckpoint(): Promise<Checkpoint | null> {
    const res = await this.pool.query<Parameters<typeof toCheckpoint>[0]>(
      "SELECT seq, hash, at, key_id, signature FROM audit_checkpoints ORDER BY seq LIMIT 1",
    );
    return res.rows[0] === undefined ? null : toCheckpoint(res.rows[0]);
  }

  /** The newest checkpoint with seq <= `seq`. */
  async checkpointAtOrBefore(seq: bigint): Promise<Checkpoint | null> {
    const res = await this.pool.query<Parameters<typeof toCheckpoint>[0]>(
      `SELECT seq, hash, at, key_id, signature FROM audit_checkpoints WHERE seq <= $1
       ORDER BY seq DESC LIMIT 1`,
      [seq.toString()],
    );
    return res.rows[0] === undefined ? null : toCheckpoint(res.rows[0]);
  }

  /** Checkpoints with from <= seq <= to, in order. */
  async checkpointsBetween(from: bigint, to: bigint): Promise<Checkpoint[]> {
    const res = await this.pool.query<Parameters<typeof toCheckpoint>[0]>(
      `SELECT seq, hash, at, key_id, signature FROM audit_checkpoints
       WHERE seq >= $1 AND seq <= $2 ORDER BY seq`,
      [from.toString(), to.toString()],
    );
    return res.rows.map(toCheckpoint);
  }

  /** Deletes sealed events with seq <= `seq` (retention, up to a checkpoint). */
  async pruneThrough(seq: bigint): Promise<number> {
    const res = await this.pool.query("DELETE FROM audit_events WHERE seq <= $1", [seq.toString()]);
    return res.rowCount ?? 0;
  }

  onApplicationShutdown(): Promise<void> {
    return this.pool.end();
  }
}
