// Result masking in the connector's Postgres engine (docs/design/0007-masking.md),
// against a real server: PostgresEngine.open() with a MaskConfig, on a fresh
// database of the shared server (trust, TLS off), with a customers table. The
// test plays the gateway: it writes client messages, sends mask updates and COPY
// hints through control(), and reads the output (bytes and maskStats items).
// One login test uses the private cluster, where the catalog's side connection
// must pass SCRAM like the session's own connection.

import { randomBytes } from "node:crypto";
import pg from "pg";
import {
  BackendParser,
  encodeBind,
  encodeDescribe,
  encodeExecute,
  encodeParse,
  encodeQuery,
  encodeSync,
  encodeTerminate,
  type BackendMessage,
  type DataRow,
} from "../../packages/pg-wire/src";
import { CloseCode, type CopyHint, type MaskConfig } from "../../packages/proto/src";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Secret, type ResolvedCredential } from "../../apps/connector/src/credentials";
import type { OutputItem, TargetConnection } from "../../apps/connector/src/engines/engine";
import { PostgresEngine } from "../../apps/connector/src/engines/postgres";
import { SessionError } from "../../apps/connector/src/engines/session-error";
import { createLogger } from "../../apps/connector/src/logger";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../support/db";
import { startPrivatePostgres, type PrivatePostgres } from "../support/private-postgres";

const log = createLogger("silent");
const engine = new PostgresEngine();
const HASH_KEY = randomBytes(32);

interface Rule {
  readonly columns?: string[];
  readonly detect?: string[];
  readonly strategy: string;
}

function maskConfig(rules: readonly Rule[]): MaskConfig {
  return {
    rules: rules.map((r) => ({
      columns: r.columns ?? [],
      detect: r.detect ?? [],
      strategy: r.strategy,
    })),
    hashKey: HASH_KEY,
  };
}

const EMAIL_COLUMN: Rule = { columns: ["*.email"], strategy: "redact" };
const EMAIL_CONTENT: Rule = { detect: ["email"], strategy: "redact" };
const CARD_AND_SSN: Rule[] = [
  { columns: ["public.customers.card_number"], strategy: "partial" },
  { columns: ["*.ssn"], strategy: "hash" },
];

type Event = BackendMessage | { readonly maskStats: Readonly<Record<string, number>> };

function isStats(e: Event): e is { readonly maskStats: Readonly<Record<string, number>> } {
  return "maskStats" in e;
}

/** Plays the gateway: writes the client's messages, reads bytes and stats in order. */
class Gateway {
  private readonly items: AsyncIterator<OutputItem>;
  private readonly parser = new BackendParser();
  private readonly queue: Event[] = [];

  constructor(readonly conn: TargetConnection) {
    this.items = conn.output[Symbol.asyncIterator]();
  }

  /** Events up to and including the next ReadyForQuery. */
  async untilReady(): Promise<Event[]> {
    const seen: Event[] = [];
    for (;;) {
      const event = await this.next();
      seen.push(event);
      if (!isStats(event) && event.type === "readyForQuery") return seen;
    }
  }

  async send(...frames: Buffer[]): Promise<Event[]> {
    await this.conn.write(Buffer.concat(frames));
    return this.untilReady();
  }

  query(sql: string): Promise<Event[]> {
    return this.send(encodeQuery(sql));
  }

  /** Runs SQL that must succeed (setup inside the session). */
  async run(sql: string): Promise<void> {
    const events = await this.query(sql);
    const error = events.find((e) => !isStats(e) && e.type === "errorResponse");
    if (error && !isStats(error) && error.type === "errorResponse") {
      throw new Error(`${sql}: ${error.fields.message}`);
    }
  }

  hint(hint: Partial<CopyHint> & Pick<CopyHint, "table">): void {
    this.conn.control?.({
      $case: "copyHint",
      value: {
        readyIndex: 0,
        copyOrdinal: 0,
        columns: [],
        format: "text",
        delimiter: "",
        nullString: "",
        quote: "",
        escape: "",
        header: false,
        ...hint,
      },
    });
  }

  async next(): Promise<Event> {
    for (;;) {
      const event = this.queue.shift();
      if (event) return event;
      const read = await this.items.next();
      if (read.done) throw new Error("the target closed the connection");
      if (Buffer.isBuffer(read.value)) {
        this.parser.parse(read.value, (m) => this.queue.push(m));
      } else {
        this.queue.push(read.value);
      }
    }
  }

  async close(): Promise<void> {
    await this.conn.write(encodeTerminate()).catch(() => undefined);
    this.conn.close();
  }
}

/** The text of every DataRow value (text format). */
function rows(events: readonly Event[]): (string | null)[][] {
  return events
    .filter((e): e is DataRow => !isStats(e) && e.type === "dataRow")
    .map((m) => (m.values ?? []).map((v) => (v === null ? null : v.toString("utf8"))));
}

/** The text of every CopyData. */
function copyLines(events: readonly Event[]): string[] {
  return events.flatMap((e) => (!isStats(e) && e.type === "copyData" ? [e.data.toString()] : []));
}

/** The stats events, each with the type of the message right after it. */
function statsWithNext(events: readonly Event[]): { counts: object; before: string }[] {
  const out: { counts: object; before: string }[] = [];
  events.forEach((e, i) => {
    const next = events[i + 1];
    if (isStats(e))
      out.push({ counts: e.maskStats, before: next && !isStats(next) ? next.type : "?" });
  });
  return out;
}

async function endedWith(gateway: Gateway, sql: string): Promise<SessionError> {
  await gateway.conn.write(encodeQuery(sql));
  const err = await (async () => {
    for (;;) await gateway.next();
  })().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SessionError);
  return err as SessionError;
}

let db: TestDatabase;
let admin: pg.Client;
const server = new URL(adminDatabaseUrl());

beforeAll(async () => {
  db = await createTestDatabase();
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(`
    CREATE TABLE customers (id int PRIMARY KEY, email text, card_number text, ssn text, note text);
    INSERT INTO customers VALUES
      (1, 'ann@example.com', '4111 1111 1111 1111', '123-45-6789', 'vip'),
      (2, 'bob@example.org', '5500 0000 0000 0004', '234-56-7890', 'write to bob@example.org'),
      (3, NULL, NULL, NULL, NULL);
    CREATE VIEW customer_contacts AS SELECT id, email FROM customers;
  `);
});

afterAll(async () => {
  await admin?.end();
  await db?.drop();
});

async function open(rules: readonly Rule[] | undefined): Promise<Gateway> {
  const conn = await engine.open({
    sessionId: "masking-test",
    spec: {
      engine: "postgres",
      host: server.hostname,
      port: Number(server.port || 5432),
      database: db.name,
      username: decodeURIComponent(server.username) || "postgres",
      credential: undefined,
      options: { sslmode: "disable" },
    },
    credential: { kind: "none" },
    startupParameters: { application_name: "airlock-masking-test" },
    ...(rules ? { mask: maskConfig(rules) } : {}),
    signal: new AbortController().signal,
    log,
  });
  const gateway = new Gateway(conn);
  await gateway.untilReady();
  return gateway;
}

async function catalogConnections(): Promise<number> {
  const { rows: found } = await admin.query<{ n: string }>(
    "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'airlock-connector masking catalog'",
    [db.name],
  );
  return Number(found[0]?.n);
}

describe("masking in the Postgres engine", () => {
  it("masks a column rule's column under an alias, with stats just before CommandComplete", async () => {
    const gw = await open([EMAIL_COLUMN]);
    const events = await gw.query("SELECT email AS x, id FROM customers ORDER BY id");
    expect(rows(events)).toEqual([
      ["[REDACTED]", "1"],
      ["[REDACTED]", "2"],
      [null, "3"],
    ]);
    expect(statsWithNext(events)).toEqual([{ counts: { COLUMN: 2 }, before: "commandComplete" }]);
    await gw.close();
  });

  it("masks an expression by content (detect: email)", async () => {
    const gw = await open([EMAIL_CONTENT]);
    const events = await gw.query("SELECT lower(email), note FROM customers ORDER BY id");
    expect(rows(events)).toEqual([
      ["[REDACTED:EMAIL]", "vip"],
      ["[REDACTED:EMAIL]", "write to [REDACTED:EMAIL]"],
      [null, null],
    ]);
    expect(statsWithNext(events)).toEqual([{ counts: { EMAIL: 3 }, before: "commandComplete" }]);
    await gw.close();
  });

  it("maps a view's columns (the view's own names), and partial / hash strategies keep the types", async () => {
    const gw = await open([EMAIL_COLUMN, ...CARD_AND_SSN]);
    expect(rows(await gw.query("SELECT email FROM customer_contacts WHERE id = 1"))).toEqual([
      ["[REDACTED]"],
    ]);
    const [row] = rows(await gw.query("SELECT card_number, ssn, id FROM customers WHERE id = 1"));
    expect(row?.[0]).toBe("***************1111");
    expect(row?.[1]).toMatch(/^h:[0-9a-f]{32}$/);
    expect(row?.[2]).toBe("1");
    // Same key, same value, same hash: joins and group-bys still work.
    const [again] = rows(await gw.query("SELECT ssn FROM customers WHERE id = 1"));
    expect(again?.[0]).toBe(row?.[1]);
    await gw.close();
  });

  it("masks binary-format results of the extended protocol", async () => {
    const gw = await open([EMAIL_COLUMN]);
    const events = await gw.send(
      encodeParse("", "SELECT email, id FROM customers WHERE id = $1"),
      encodeBind("", "", ["1"], [], [1]),
      encodeDescribe("portal", ""),
      encodeExecute(""),
      encodeSync(),
    );
    const row = events.find((e): e is DataRow => !isStats(e) && e.type === "dataRow");
    expect(row?.values?.[0]?.toString("utf8")).toBe("[REDACTED]");
    expect(row?.values?.[1]).toEqual(Buffer.from([0, 0, 0, 1]));
    // Prepared and described once, executed later without a Describe (pgx, JDBC).
    await gw.send(
      encodeParse("s1", "SELECT email FROM customers WHERE id = $1"),
      encodeDescribe("statement", "s1"),
      encodeSync(),
    );
    const later = await gw.send(
      encodeBind("", "s1", ["2"], [], [1]),
      encodeExecute(""),
      encodeSync(),
    );
    expect(rows(later)).toEqual([["[REDACTED]"]]);
    await gw.close();
  });

  it("masks COPY customers TO STDOUT by column with a hint", async () => {
    const gw = await open([EMAIL_COLUMN]);
    await gw.run("SET DateStyle = ISO"); // cycle 0
    gw.hint({ readyIndex: 1, copyOrdinal: 0, table: "public.customers" });
    const events = await gw.query("COPY customers TO STDOUT");
    expect(copyLines(events)).toEqual([
      "1\t[REDACTED]\t4111 1111 1111 1111\t123-45-6789\tvip\n",
      "2\t[REDACTED]\t5500 0000 0000 0004\t234-56-7890\twrite to bob@example.org\n",
      "3\t\\N\t\\N\t\\N\t\\N\n",
    ]);
    expect(statsWithNext(events)).toEqual([{ counts: { COLUMN: 2 }, before: "copyDone" }]);
    // pg_dump's form: a column list.
    gw.hint({ readyIndex: 2, table: "public.customers", columns: ["email", "id"] });
    const dump = await gw.query("COPY public.customers (email, id) TO stdout");
    expect(copyLines(dump)).toEqual(["[REDACTED]\t1\n", "[REDACTED]\t2\n", "\\N\t3\n"]);
    await gw.close();
  });

  it("masks COPY (SELECT …) TO STDOUT without a hint by content", async () => {
    const gw = await open([EMAIL_CONTENT]);
    const events = await gw.query(
      "COPY (SELECT id, email, note FROM customers ORDER BY id) TO STDOUT",
    );
    expect(copyLines(events)).toEqual([
      "1\t[REDACTED:EMAIL]\tvip\n",
      "2\t[REDACTED:EMAIL]\twrite to [REDACTED:EMAIL]\n",
      "3\t\\N\t\\N\n",
    ]);
    await gw.close();
  });

  it("masks a CSV COPY by column with its hint: HEADER passed, another delimiter, quoted delimiters and newlines", async () => {
    const gw = await open([EMAIL_COLUMN, EMAIL_CONTENT]);
    await gw.run("CREATE TABLE csv_people (id int, email text, note text)"); // cycle 0
    await gw.run(
      "INSERT INTO csv_people VALUES (1, 'ann@example.com', E'a;b\\nc bob@example.org'), (2, NULL, 'say \"hi\"'), (3, 'x;y@example.com', '')",
    ); // cycle 1
    gw.hint({
      readyIndex: 2,
      table: "public.csv_people",
      format: "csv",
      delimiter: ";",
      header: true,
    });
    const events = await gw.query(
      "COPY csv_people TO STDOUT WITH (FORMAT csv, HEADER true, DELIMITER ';')",
    );
    expect(copyLines(events)).toEqual([
      "id;email;note\n",
      '1;[REDACTED];"a;b\nc [REDACTED:EMAIL]"\n',
      '2;;"say ""hi"""\n',
      '3;"[REDACTED]";""\n',
    ]);
    // The header is not counted: two emails by the column rule, one by content.
    expect(statsWithNext(events)).toEqual([
      { counts: { COLUMN: 2, EMAIL: 1 }, before: "copyDone" },
    ]);
    const tag = events.find((e) => !isStats(e) && e.type === "commandComplete");
    expect(tag && !isStats(tag) && tag.type === "commandComplete" && tag.tag).toBe("COPY 3");
    await gw.close();
  });

  it("masks a CSV COPY (SELECT …) by content with a hint naming no table", async () => {
    const gw = await open([EMAIL_COLUMN, EMAIL_CONTENT]);
    gw.hint({ readyIndex: 0, table: "", format: "csv", delimiter: "|", nullString: "" });
    const events = await gw.query(
      "COPY (SELECT id, email, note FROM customers ORDER BY id) TO STDOUT (FORMAT csv, DELIMITER '|')",
    );
    expect(copyLines(events)).toEqual([
      "1|[REDACTED:EMAIL]|vip\n",
      "2|[REDACTED:EMAIL]|write to [REDACTED:EMAIL]\n",
      "3||\n",
    ]);
    await gw.close();
  });

  it("masks the DETAIL of a real unique violation, keeping the error's other fields", async () => {
    // Only a column rule: the high-confidence detectors apply to the error's text.
    const gw = await open([EMAIL_COLUMN]);
    await gw.run("CREATE TABLE accounts (id int, email text UNIQUE)");
    await gw.run("INSERT INTO accounts VALUES (1, 'ada@example.com')");
    const events = await gw.query("INSERT INTO accounts VALUES (2, 'ada@example.com')");
    const error = events.find((e) => !isStats(e) && e.type === "errorResponse");
    expect(error && !isStats(error) && error.type === "errorResponse" && error.fields).toEqual({
      severity: "ERROR",
      severityNonLocalized: "ERROR",
      code: "23505",
      message: 'duplicate key value violates unique constraint "accounts_email_key"',
      detail: "Key (email)=([REDACTED:EMAIL]) already exists.",
      schema: "public",
      table: "accounts",
      constraint: "accounts_email_key",
      file: expect.any(String),
      line: expect.any(String),
      routine: "_bt_check_unique",
      other: {},
    });
    expect(statsWithNext(events)).toEqual([{ counts: { EMAIL: 1 }, before: "errorResponse" }]);
    await gw.close();
  });

  it("masks notices (RAISE NOTICE) and notifications (NOTIFY payloads) by content", async () => {
    const gw = await open([{ detect: ["email"], strategy: "partial" }]);
    const notice = await gw.query("DO $$BEGIN RAISE NOTICE 'mailed %', 'ann@example.com'; END$$");
    const n = notice.find((e) => !isStats(e) && e.type === "noticeResponse");
    expect(n && !isStats(n) && n.type === "noticeResponse" && n.fields.message).toBe(
      "mailed ***@example.com",
    );
    expect(statsWithNext(notice)).toEqual([{ counts: { EMAIL: 1 }, before: "noticeResponse" }]);
    await gw.run("LISTEN signups");
    const notified = await gw.query("NOTIFY signups, 'new: bob@example.org'");
    const a = notified.find((e) => !isStats(e) && e.type === "notificationResponse");
    expect(a && !isStats(a) && a.type === "notificationResponse" && a).toMatchObject({
      channel: "signups",
      payload: "new: ***@example.org",
    });
    await gw.close();
  });

  it("refuses binary COPY while rules are in force, forwarding none of it", async () => {
    const gw = await open([EMAIL_CONTENT]);
    const err = await endedWith(gw, "COPY customers TO STDOUT (FORMAT binary)");
    expect(err.code).toBe(CloseCode.CLOSE_CODE_PERMISSION_DENIED);
    expect(err.message).toMatch(/binary COPY output .* cannot be masked.*text or csv/);
    gw.conn.close();
  });

  it("reads the catalog again for a table created mid-session, on its side connection", async () => {
    const gw = await open([EMAIL_COLUMN]);
    expect(rows(await gw.query("SELECT email FROM customers WHERE id = 1"))).toEqual([
      ["[REDACTED]"],
    ]);
    expect(await catalogConnections()).toBe(1);
    await gw.run("CREATE TABLE people (name text, email text)");
    await gw.run("INSERT INTO people VALUES ('Ann', 'ann@example.com')");
    expect(rows(await gw.query("SELECT name, email FROM people"))).toEqual([["Ann", "[REDACTED]"]]);
    await gw.close();
    // Closed with the session.
    for (let i = 0; i < 50 && (await catalogConnections()) > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await catalogConnections()).toBe(0);
  });

  it("ends the session rather than guess when a table is not committed yet", async () => {
    const gw = await open([EMAIL_COLUMN]);
    await gw.run("BEGIN");
    await gw.run("CREATE TABLE draft (email text)");
    await gw.run("INSERT INTO draft VALUES ('ann@example.com')");
    const err = await endedWith(gw, "SELECT email FROM draft");
    expect(err.code).toBe(CloseCode.CLOSE_CODE_PERMISSION_DENIED);
    expect(err.message).toMatch(/does not show to other connections/);
    gw.conn.close();
  });

  it("applies a mask update to the commands after it", async () => {
    const gw = await open([EMAIL_COLUMN]);
    gw.conn.control?.({
      $case: "maskUpdate",
      value: maskConfig([{ columns: ["*.email"], strategy: "partial" }]),
    });
    expect(rows(await gw.query("SELECT email FROM customers WHERE id = 1"))).toEqual([
      ["***@example.com"],
    ]);
    gw.conn.control?.({ $case: "maskUpdate", value: maskConfig([]) });
    expect(rows(await gw.query("SELECT email FROM customers WHERE id = 1"))).toEqual([
      ["ann@example.com"],
    ]);
    await gw.close();
  });

  it("relays sessions without rules unparsed, and ends them when rules arrive", async () => {
    for (const rules of [undefined, []]) {
      const gw = await open(rules);
      const events = await gw.query("SELECT email FROM customers WHERE id = 1");
      expect(rows(events)).toEqual([["ann@example.com"]]);
      expect(events.some(isStats)).toBe(false);
      // A hint or an update without rules changes nothing.
      gw.hint({ table: "public.customers" });
      gw.conn.control?.({ $case: "maskUpdate", value: maskConfig([]) });
      expect(() =>
        gw.conn.control?.({ $case: "maskUpdate", value: maskConfig([EMAIL_COLUMN]) }),
      ).toThrow(/mask rules now apply to this session, which started without any/);
      await gw.close();
    }
    expect(await catalogConnections()).toBe(0);
  });

  it("refuses rules the masking library does not know before dialling", async () => {
    const err = await open([{ detect: ["shoe_size"], strategy: "redact" }]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SessionError);
    expect((err as SessionError).code).toBe(CloseCode.CLOSE_CODE_INVALID_INPUT);
    expect((err as SessionError).message).toMatch(/unknown detector "shoe_size"/);
  });
});

describe("the masking catalog's side connection", () => {
  let priv: PrivatePostgres;
  beforeAll(async () => {
    priv = await startPrivatePostgres({ ssl: false });
    await priv.psql([
      "CREATE TABLE public.customers (id int, email text)",
      "INSERT INTO public.customers VALUES (1, 'ann@example.com')",
      "GRANT SELECT ON public.customers TO scram_user",
    ]);
  });
  afterAll(async () => {
    await priv?.stop();
  });

  it("logs in with the session's SCRAM credential", async () => {
    const credential: ResolvedCredential = {
      kind: "password",
      password: new Secret(priv.users.scram.password),
    };
    const conn = await engine.open({
      sessionId: "masking-scram",
      spec: {
        engine: "postgres",
        host: priv.host,
        port: priv.port,
        database: "postgres",
        username: priv.users.scram.user,
        credential: undefined,
        options: { sslmode: "disable" },
      },
      credential,
      startupParameters: {},
      mask: maskConfig([EMAIL_COLUMN]),
      signal: new AbortController().signal,
      log,
    });
    const gw = new Gateway(conn);
    await gw.untilReady();
    expect(rows(await gw.query("SELECT email AS contact FROM customers"))).toEqual([
      ["[REDACTED]"],
    ]);
    await gw.close();
  });
});
