import pg from "pg";
import type { ServerMessage } from "../output/sql-messages";
import type { SqlResult } from "../output/sql-results";

export interface RunSqlOptions {
  readonly host: string;
  readonly port: number;
  /** Sent in the StartupMessage for people reading logs; the control plane ignores it. */
  readonly user: string;
  /** The connection name: the control plane resolves the target from it. */
  readonly database: string;
  readonly sql: string;
  readonly onNotice: (notice: ServerMessage) => void;
  /**
   * Ends the session early (`exec --no-wait` once its command is held): the connection is
   * closed at once and runSql rejects with the signal's reason.
   */
  readonly signal?: AbortSignal;
}

/**
 * date, time, timetz, timestamp, timestamptz, interval and their arrays stay the server's
 * text (ISO 8601 with DateStyle ISO): turning them into JavaScript Dates would shift dates
 * and timestamps without zone into the local time zone and drop microseconds.
 */
const TEXT_AS_SENT = [1082, 1083, 1266, 1114, 1184, 1186, 1182, 1183, 1270, 1115, 1185, 1187];

/**
 * Runs `sql` with the simple query protocol (so several statements are allowed) through the
 * local listener, and returns one result per statement, each with its command tag.
 */
export async function runSql(options: RunSqlOptions): Promise<SqlResult[]> {
  const types = new pg.TypeOverrides();
  for (const oid of TEXT_AS_SENT) types.setTypeParser(oid, "text", (value: string) => value);
  const client = new pg.Client({
    host: options.host,
    port: options.port,
    user: options.user,
    database: options.database,
    ssl: false,
    application_name: "airlock exec",
    connectionTimeoutMillis: 60_000,
    types,
  });
  // Failures reach the caller through connect() and query(); this keeps `error` from throwing.
  client.on("error", () => undefined);
  client.on("notice", (notice) => options.onNotice(notice));
  await client.connect();
  const { signal } = options;
  const abort = (): void => void client.end().catch(() => undefined);
  signal?.addEventListener("abort", abort, { once: true });
  try {
    return await query(client, options.sql);
  } catch (error) {
    if (signal?.aborted === true) throw signal.reason;
    throw error;
  } finally {
    signal?.removeEventListener("abort", abort);
    await client.end().catch(() => undefined);
  }
}

async function query(client: pg.Client, sql: string): Promise<SqlResult[]> {
  // node-postgres keeps only the first word of each tag; collect the whole tags in order.
  const tags: string[] = [];
  client.connection.on("commandComplete", (message: { text?: string }) => {
    tags.push(message.text ?? "");
  });
  const raw = (await client.query({ text: sql, rowMode: "array" })) as unknown as
    pg.QueryArrayResult | pg.QueryArrayResult[];
  const results = Array.isArray(raw) ? raw : [raw];
  return results
    .map((result, i) => toSqlResult(result, tags[i]))
    .filter((result) => result.commandTag !== "" || result.fields.length > 0);
}

function toSqlResult(result: pg.QueryArrayResult, tag: string | undefined): SqlResult {
  const command = result.command ?? "";
  return {
    command,
    commandTag: tag ?? command,
    rowCount: result.rowCount ?? null,
    fields: result.fields.map((field) => ({ name: field.name, dataTypeID: field.dataTypeID })),
    rows: result.rows,
  };
}
