// The masking catalog's side connection: a second login to the same target with
// the session's user, database and credential, used only for two read-only
// catalog queries, sent with the extended protocol (the OIDs and names travel as
// parameters, never inside the SQL text). Every failure is a SessionError: the
// masking stage then ends the session (fail closed).

import {
  BackendParser,
  decodeDataRowValues,
  encodeBind,
  encodeExecute,
  encodeParse,
  encodeSync,
  encodeTerminate,
  type BackendMessage,
  type NoticeFields,
} from "@airlock/pg-wire";
import { CloseCode } from "@airlock/proto";
import { writeWithBackpressure } from "../../../streams";
import { SessionError } from "../../session-error";
import { bytesFrom } from "../backend-reader";
import { login, type LoginRequest } from "../login";
import type { Transport } from "../transport";
import type { CatalogAttribute, CatalogSource, TableColumn } from "./catalog";

const ATTRIBUTES_SQL = `SELECT c.oid, a.attnum, n.nspname, c.relname, a.attname
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE a.attrelid = ANY($1::pg_catalog.oid[]) AND a.attnum > 0 AND NOT a.attisdropped`;

const TABLE_COLUMNS_SQL = `SELECT a.attname, a.atttypid
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`;

const APPLICATION_NAME = "airlock-connector masking catalog";

type Row = (Buffer | null)[];

/** Logs in (see login.ts); `parameters` are the session's, of which only user and database are kept. */
export async function openCatalogConnection(
  request: LoginRequest & { readonly queryTimeoutMs: number },
): Promise<CatalogConnection> {
  const { user = "", database = "" } = request.parameters;
  const parameters = {
    user,
    database,
    application_name: APPLICATION_NAME,
    client_encoding: "UTF8",
  };
  try {
    const loggedIn = await login({ ...request, parameters });
    // Read on from AuthenticationOk with a parser of our own (the login's stops at ReadyForQuery).
    loggedIn.reader.takePending();
    const connection = new CatalogConnection(
      loggedIn.transport,
      bytesFrom(loggedIn.authenticationOk),
      loggedIn.chunks,
      request.queryTimeoutMs,
    );
    await connection.ready();
    return connection;
  } catch (err) {
    throw catalogFailure(err);
  }
}

export class CatalogConnection implements CatalogSource {
  private readonly parser = new BackendParser();
  private readonly messages: BackendMessage[] = [];
  /** One query at a time. */
  private busy: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly transport: Transport,
    private readonly head: Buffer[],
    private readonly chunks: AsyncIterator<Buffer>,
    private readonly queryTimeoutMs: number,
  ) {}

  /** Reads the rest of the startup, up to ReadyForQuery. */
  async ready(): Promise<void> {
    await this.timed(async () => {
      for (;;) {
        const message = await this.next();
        if (message.type === "errorResponse") throw refused(message.fields);
        if (message.type === "readyForQuery") return;
      }
    });
  }

  async attributes(tableOids: readonly number[]): Promise<CatalogAttribute[]> {
    const rows = await this.query(ATTRIBUTES_SQL, [`{${tableOids.join(",")}}`]);
    return rows.map((row) => ({
      tableOid: Number(text(row[0])),
      attnum: Number(text(row[1])),
      schema: text(row[2]),
      table: text(row[3]),
      column: text(row[4]),
    }));
  }

  async tableColumns(schema: string, table: string): Promise<TableColumn[]> {
    const rows = await this.query(TABLE_COLUMNS_SQL, [schema, table]);
    return rows.map((row) => ({ name: text(row[0]), typeOid: Number(text(row[1])) }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const { socket, tcp } = this.transport;
    if (!socket.destroyed) socket.end(encodeTerminate());
    setTimeout(() => {
      socket.destroy();
      tcp.destroy();
    }, 1_000).unref();
  }

  private query(sql: string, params: readonly string[]): Promise<Row[]> {
    const run = this.busy.then(() => this.timed(() => this.run(sql, params)));
    this.busy = run.catch(() => undefined);
    return run;
  }

  private async run(sql: string, params: readonly string[]): Promise<Row[]> {
    if (this.closed) throw new SessionError(CloseCode.CLOSE_CODE_NORMAL, "the session is closing");
    const request = Buffer.concat([
      encodeParse("", sql),
      encodeBind("", "", params),
      encodeExecute(""),
      encodeSync(),
    ]);
    await writeWithBackpressure(this.transport.socket, request);
    const rows: Row[] = [];
    let error: NoticeFields | undefined;
    for (;;) {
      const message = await this.next();
      if (message.type === "dataRow") rows.push(decodeDataRowValues(message));
      else if (message.type === "errorResponse") error = message.fields;
      else if (message.type === "readyForQuery") break;
    }
    if (error) {
      throw new SessionError(
        CloseCode.CLOSE_CODE_UNAVAILABLE,
        `the masking catalog query failed on the target: ${error.message} (${error.code}); the session was ended so that nothing unmasked is forwarded`,
      );
    }
    return rows;
  }

  private async next(): Promise<BackendMessage> {
    for (;;) {
      const message = this.messages.shift();
      if (message) return message;
      const chunk = this.head.shift() ?? (await this.read());
      this.parser.parse(chunk, (m) => this.messages.push(m));
    }
  }

  private async read(): Promise<Buffer> {
    const read = await this.chunks.next();
    if (read.done) {
      throw new SessionError(
        CloseCode.CLOSE_CODE_UNAVAILABLE,
        "the target closed the masking catalog connection; check the target's log",
      );
    }
    return read.value;
  }

  /** Fails (and destroys the connection) when `step` takes longer than the query timeout. */
  private timed<T>(step: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.transport.socket.destroy();
        this.transport.tcp.destroy();
        reject(
          new SessionError(
            CloseCode.CLOSE_CODE_UNAVAILABLE,
            `the masking catalog query did not answer within ${this.queryTimeoutMs} ms; the session was ended so that nothing unmasked is forwarded`,
          ),
        );
      }, this.queryTimeoutMs);
    });
    return Promise.race([step(), timeout])
      .catch((err: unknown) => {
        throw catalogFailure(err);
      })
      .finally(() => clearTimeout(timer));
  }
}

function text(value: Buffer | null | undefined): string {
  return value ? value.toString("utf8") : "";
}

function refused(fields: NoticeFields): SessionError {
  return new SessionError(
    CloseCode.CLOSE_CODE_UNAVAILABLE,
    `the target refused the masking catalog connection: ${fields.message} (${fields.code})`,
  );
}

function catalogFailure(err: unknown): SessionError {
  if (err instanceof SessionError) {
    if (err.code === CloseCode.CLOSE_CODE_NORMAL || err.message.includes("masking catalog"))
      return err;
    return new SessionError(err.code, `the masking catalog connection failed: ${err.message}`);
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new SessionError(
    CloseCode.CLOSE_CODE_UNAVAILABLE,
    `the masking catalog connection failed (${detail}); the session was ended so that nothing unmasked is forwarded`,
  );
}
