// The hot path's SQL: many command rows in ONE statement (arrays + unnest), on
// small pools of their own so recording never waits behind the API's queries.
// Only this file runs SQL for commands.
//
// Inserts are write-ahead: they commit before the command is forwarded. With
// AIRLOCK_AUDIT_COMMIT=sync (the default) the commit also waits for the store's WAL
// flush (synchronous_commit on); with `async` it does not (synchronous_commit off on
// this pool only): the record then survives a control-plane crash but not a crash of
// the store's Postgres server within ~3 × wal_writer_delay (docs/design/0002).
// Completions are never write-ahead: they commit without waiting for the WAL flush,
// so they never add an fsync in front of the next insert.
import { Inject, Injectable } from "@nestjs/common";
import pg from "pg";
import type { Logger } from "pino";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import type { CommandCompletion, CommandRecord } from "./recording.types";

/** One INSERT in flight plus a spare (a new connection while one is being replaced). */
const INSERT_POOL_SIZE = 2;
/** One completion UPDATE in flight. */
const COMPLETION_POOL_SIZE = 1;

// rule_ids / reasons are text[] per row: a 2-D array cannot be ragged, so each
// row's list travels as a JSON array and is expanded here.
// The same statement writes each command's decision to the audit trail (command.allow /
// .deny / .review, docs/design/0010-audit.md): one round trip, one commit, so the audit event
// is as durable as the write-ahead record it describes. Who and where come from the session.
const INSERT_COMMANDS = `
WITH ins AS (
  INSERT INTO commands (session_id, seq, protocol, sql, params, decision, rule_ids, reasons, status, received_at)
  SELECT u.session_id, u.seq, u.protocol, u.sql, u.params, u.decision::"CommandDecision",
         ARRAY(SELECT jsonb_array_elements_text(u.rule_ids)),
         ARRAY(SELECT jsonb_array_elements_text(u.reasons)),
         u.status::"CommandStatus", u.received_at
  FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::jsonb[], $6::text[],
              $7::jsonb[], $8::jsonb[], $9::text[], $10::timestamptz[])
    AS u(session_id, seq, protocol, sql, params, decision, rule_ids, reasons, status, received_at)
  RETURNING id, session_id, seq, protocol, sql, decision, rule_ids, reasons, received_at
)
INSERT INTO audit_events (code, outcome, at, actor_id, actor_name, actor_kind, session_id,
  connection_name, connector_name, source_address, correlation_id, command, rule_ids, data)
SELECT 'command.' || ins.decision::text,
       CASE ins.decision WHEN 'allow' THEN 'allowed' WHEN 'deny' THEN 'denied' ELSE 'held' END,
       ins.received_at, usr.id, usr.name, usr.kind::text, s.id, s.connection_name, ctr.name,
       s.client_address, s.id::text, ins.sql, ins.rule_ids,
       jsonb_build_object('commandSeq', ins.seq, 'protocol', ins.protocol, 'reasons', to_jsonb(ins.reasons))
FROM ins
JOIN sessions s ON s.id = ins.session_id
JOIN users usr ON usr.id = s.user_id
LEFT JOIN connectors ctr ON ctr.id = s.connector_id
ORDER BY ins.id`;

// Completions that masked values also write `command.masked` with the counts per entity.
const COMPLETE_COMMANDS = `
WITH upd AS (
  UPDATE commands AS c
  SET status = u.status::"CommandStatus", completed_at = u.completed_at, duration_ms = u.duration_ms,
      row_count = u.row_count, command_tag = u.command_tag, error_code = u.error_code,
      error_message = u.error_message, copy_direction = u.copy_direction, copy_bytes = u.copy_bytes,
      mask_counts = u.mask_counts, result_sample = u.result_sample
  FROM unnest($1::uuid[], $2::int[], $3::text[], $4::timestamptz[], $5::float8[], $6::int8[],
              $7::text[], $8::text[], $9::text[], $10::text[], $11::int8[], $12::jsonb[],
              $13::jsonb[])
    AS u(session_id, seq, status, completed_at, duration_ms, row_count, command_tag, error_code,
         error_message, copy_direction, copy_bytes, mask_counts, result_sample)
  WHERE c.session_id = u.session_id AND c.seq = u.seq
  RETURNING c.id, c.session_id, c.seq, c.sql, c.rule_ids, c.mask_counts, c.completed_at
)
INSERT INTO audit_events (code, outcome, at, actor_id, actor_name, actor_kind, session_id,
  connection_name, connector_name, source_address, correlation_id, command, rule_ids, data)
SELECT 'command.masked', 'masked', upd.completed_at, usr.id, usr.name, usr.kind::text, s.id,
       s.connection_name, ctr.name, s.client_address, s.id::text, upd.sql, upd.rule_ids,
       jsonb_build_object('commandSeq', upd.seq, 'counts', upd.mask_counts)
FROM upd
JOIN sessions s ON s.id = upd.session_id
JOIN users usr ON usr.id = s.user_id
LEFT JOIN connectors ctr ON ctr.id = s.connector_id
WHERE upd.mask_counts IS NOT NULL AND upd.mask_counts <> '{}'::jsonb
ORDER BY upd.id`;

@Injectable()
export class CommandsRepository {
  private readonly inserts: pg.Pool;
  private readonly completions: pg.Pool;
  private closing: Promise<void> | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(ROOT_LOGGER) root: Logger) {
    const logger = root.child({ component: "recording" });
    const settings = {
      connectionString: config.databaseUrl,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      // The server aborts a stuck write: it then did not commit, so the refusal
      // the client got ("could not record") stays true.
      statement_timeout: 10_000,
      application_name: "airlock-recorder",
    };
    this.inserts = new pg.Pool({
      ...settings,
      max: INSERT_POOL_SIZE,
      options: `-c synchronous_commit=${config.auditCommit === "async" ? "off" : "on"}`,
    });
    this.completions = new pg.Pool({
      ...settings,
      max: COMPLETION_POOL_SIZE,
      options: "-c synchronous_commit=off",
    });
    for (const pool of [this.inserts, this.completions]) {
      pool.on("error", (err) => logger.warn({ err }, "idle recording connection failed"));
    }
  }

  /** Inserts every row in one statement; resolves once committed. */
  async insert(rows: readonly CommandRecord[]): Promise<void> {
    const n = rows.length;
    const sessionIds = new Array<string>(n);
    const seqs = new Array<number>(n);
    const protocols = new Array<string>(n);
    const sqls = new Array<string>(n);
    const params = new Array<string | null>(n);
    const decisions = new Array<string>(n);
    const ruleIds = new Array<string>(n);
    const reasons = new Array<string>(n);
    const statuses = new Array<string>(n);
    const receivedAt = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const row = rows[i] as CommandRecord;
      sessionIds[i] = row.sessionId;
      seqs[i] = row.seq;
      protocols[i] = row.protocol;
      sqls[i] = row.sql;
      params[i] = row.params === null ? null : JSON.stringify(row.params);
      decisions[i] = row.decision;
      ruleIds[i] = JSON.stringify(row.ruleIds);
      reasons[i] = JSON.stringify(row.reasons);
      statuses[i] = row.status;
      receivedAt[i] = row.receivedAt.toISOString();
    }
    await this.inserts.query({
      name: "airlock_insert_commands",
      text: INSERT_COMMANDS,
      values: [
        sessionIds,
        seqs,
        protocols,
        sqls,
        params,
        decisions,
        ruleIds,
        reasons,
        statuses,
        receivedAt,
      ],
    });
  }

  /** Applies every completion in one statement. */
  async complete(rows: readonly CommandCompletion[]): Promise<void> {
    const n = rows.length;
    const cols = {
      sessionIds: new Array<string>(n),
      seqs: new Array<number>(n),
      statuses: new Array<string>(n),
      completedAt: new Array<string>(n),
      durations: new Array<number>(n),
      rowCounts: new Array<number | null>(n),
      tags: new Array<string | null>(n),
      errorCodes: new Array<string | null>(n),
      errorMessages: new Array<string | null>(n),
      copyDirections: new Array<string | null>(n),
      copyBytes: new Array<number | null>(n),
      maskCounts: new Array<string | null>(n),
      samples: new Array<string | null>(n),
    };
    for (let i = 0; i < n; i++) {
      const row = rows[i] as CommandCompletion;
      cols.sessionIds[i] = row.sessionId;
      cols.seqs[i] = row.seq;
      cols.statuses[i] = row.status;
      cols.completedAt[i] = row.completedAt.toISOString();
      cols.durations[i] = row.durationMs;
      cols.rowCounts[i] = row.rowCount;
      cols.tags[i] = row.commandTag;
      cols.errorCodes[i] = row.errorCode;
      cols.errorMessages[i] = row.errorMessage;
      cols.copyDirections[i] = row.copyDirection;
      cols.copyBytes[i] = row.copyBytes;
      cols.maskCounts[i] = row.maskCounts === null ? null : JSON.stringify(row.maskCounts);
      cols.samples[i] =
        row.resultSample === null || row.resultSample === undefined
          ? null
          : JSON.stringify(row.resultSample);
    }
    await this.completions.query({
      name: "airlock_complete_commands",
      text: COMPLETE_COMMANDS,
      values: [
        cols.sessionIds,
        cols.seqs,
        cols.statuses,
        cols.completedAt,
        cols.durations,
        cols.rowCounts,
        cols.tags,
        cols.errorCodes,
        cols.errorMessages,
        cols.copyDirections,
        cols.copyBytes,
        cols.maskCounts,
        cols.samples,
      ],
    });
  }

  /** Closes the pools; safe to call twice. */
  close(): Promise<void> {
    this.closing ??= Promise.all([this.inserts.end(), this.completions.end()]).then(
      () => undefined,
    );
    return this.closing;
  }
}
