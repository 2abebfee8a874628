import { CloseCode } from "@airlock/proto";
import { describe, expect, it } from "vitest";
import { SessionError } from "../../../src/engines/session-error";
import {
  bytesOf,
  CUSTOMERS,
  failure,
  FakeCatalog,
  flow,
  messagesOf,
  started,
  type Harness,
  type Rule,
} from "./harness";
import { be, fe, INT4, TEXT } from "./wire";

const EMAIL_COLUMN: Rule = { columns: ["*.email"], strategy: "redact" };
const EMAIL_CONTENT: Rule = { detect: ["email"], strategy: "redact" };

/** `email AS x`, `lower(email)`, `id` of customers, as a RowDescription says them. */
const ALIASED = [
  { name: "x", tableOid: CUSTOMERS.oid, attnum: 2, typeOid: TEXT },
  { name: "lower", typeOid: TEXT },
  { name: "id", tableOid: CUSTOMERS.oid, attnum: 1, typeOid: INT4 },
];

describe("the startup", () => {
  it("passes unchanged and keeps the backend key", async () => {
    const h = await started([EMAIL_COLUMN]);
    expect(h.keys).toEqual([{ processId: 4242, secretKey: 0xdeadbeef }]);
  });
});

describe("a simple query's rows", () => {
  const reply = [
    be.rowDescription(ALIASED),
    be.dataRow(["ann@example.com", "mail bob@example.org now", "1"]),
    be.dataRow([null, "nothing to see", "2"]),
    be.commandComplete("SELECT 2"),
    be.readyForQuery(),
  ];
  const masked = [
    be.rowDescription(ALIASED),
    be.dataRow(["[REDACTED]", "mail [REDACTED:EMAIL] now", "1"]),
    be.dataRow([null, "nothing to see", "2"]),
  ];
  const expected = [
    Buffer.concat(masked),
    { maskStats: { COLUMN: 1, EMAIL: 1 } },
    Buffer.concat([be.commandComplete("SELECT 2"), be.readyForQuery()]),
  ];

  it("are rewritten with the right lengths, unchanged rows stay the same bytes, stats come before CommandComplete", async () => {
    const h = await started([EMAIL_COLUMN, EMAIL_CONTENT]);
    h.send(fe.query("SELECT email AS x, lower(email), id FROM customers"));
    const items = await h.receive(Buffer.concat(reply));
    expect(flow(items)).toEqual(expected);
    // One input chunk, one data chunk on each side of the stats.
    expect(items).toHaveLength(3);
    expect(h.catalog.attributeCalls).toEqual([[CUSTOMERS.oid]]);
  });

  it("come out the same whatever the split of the target's bytes", async () => {
    const stream = Buffer.concat(reply);
    for (let cut = 0; cut <= stream.length; cut++) {
      const h = await started([EMAIL_COLUMN, EMAIL_CONTENT]);
      h.send(fe.query("SELECT email AS x, lower(email), id FROM customers"));
      const items = await h.receive(stream.subarray(0, cut), stream.subarray(cut));
      expect(flow(items), `split at ${cut}`).toEqual(expected);
    }
  });

  it("come out the same when the target sends one byte at a time", async () => {
    const stream = Buffer.concat(reply);
    const h = await started([EMAIL_COLUMN, EMAIL_CONTENT]);
    h.send(fe.query("SELECT email AS x, lower(email), id FROM customers"));
    const bytes = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(flow(await h.receive(...bytes))).toEqual(expected);
  });

  it("pass as the very same chunk when nothing in the result is masked", async () => {
    const h = await started([EMAIL_COLUMN]);
    h.send(fe.query("SELECT 1"));
    const chunk = Buffer.concat([
      be.rowDescription([{ name: "?column?", typeOid: INT4 }]),
      be.dataRow(["1"]),
      be.commandComplete("SELECT 1"),
      be.readyForQuery(),
    ]);
    const items = await h.stage.process(chunk);
    expect(items).toHaveLength(1);
    expect(items[0]).toBe(chunk);
    // An expression has no table: no catalog needed.
    expect(h.catalog.opened).toBe(0);
  });

  it("of two statements in one Query get their own stats, each before its CommandComplete", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(fe.query("SELECT 'a@b.io'; SELECT 'c@d.io', 'e@f.io'"));
    const items = await h.receive(
      Buffer.concat([
        be.rowDescription([{ name: "a" }]),
        be.dataRow(["a@b.io"]),
        be.commandComplete("SELECT 1"),
        be.rowDescription([{ name: "b" }, { name: "c" }]),
        be.dataRow(["c@d.io", "e@f.io"]),
        be.commandComplete("SELECT 1"),
        be.readyForQuery(),
      ]),
    );
    expect(flow(items)).toEqual([
      Buffer.concat([be.rowDescription([{ name: "a" }]), be.dataRow(["[REDACTED:EMAIL]"])]),
      { maskStats: { EMAIL: 1 } },
      Buffer.concat([
        be.commandComplete("SELECT 1"),
        be.rowDescription([{ name: "b" }, { name: "c" }]),
        be.dataRow(["[REDACTED:EMAIL]", "[REDACTED:EMAIL]"]),
      ]),
      { maskStats: { EMAIL: 2 } },
      Buffer.concat([be.commandComplete("SELECT 1"), be.readyForQuery()]),
    ]);
  });

  it("send stats before an ErrorResponse that ends the result", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(fe.query("SELECT f(x) FROM t"));
    const items = await h.receive(
      Buffer.concat([
        be.rowDescription([{ name: "f" }]),
        be.dataRow(["x@y.io"]),
        be.errorResponse("division by zero", "22012"),
        be.readyForQuery(),
      ]),
    );
    expect(flow(items)).toEqual([
      Buffer.concat([be.rowDescription([{ name: "f" }]), be.dataRow(["[REDACTED:EMAIL]"])]),
      { maskStats: { EMAIL: 1 } },
      Buffer.concat([be.errorResponse("division by zero", "22012"), be.readyForQuery()]),
    ]);
  });

  it("without a RowDescription end the session (the rows could belong to anything)", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(fe.query("SELECT 1"));
    const err = await failure(h.receive(be.dataRow(["a@b.io"])));
    expect(err.code).toBe(CloseCode.CLOSE_CODE_INTERNAL);
    expect(err.message).toMatch(/dataRow while the connector expected the reply to query/);
    // Failed once, failed for good: nothing more is forwarded.
    expect(await failure(h.receive(be.readyForQuery()))).toBe(err);
    expect(() => h.send(fe.query("SELECT 1"))).toThrow(err);
  });

  it("end the session when a row is not a valid DataRow", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(fe.query("SELECT 'x'"));
    // Two columns announced, one value present.
    const broken = Buffer.from([0x44, 0, 0, 0, 11, 0, 2, 0, 0, 0, 1, 0x78]);
    const err = await failure(h.receive(be.rowDescription([{ name: "a" }, { name: "b" }]), broken));
    expect(err.code).toBe(CloseCode.CLOSE_CODE_UNAVAILABLE);
    expect(err.message).toMatch(/nothing unmasked is forwarded/);
  });
});

describe("rows of the extended protocol", () => {
  it("in binary format (Bind asks for format 1) are masked: text types are the same UTF-8", async () => {
    const h = await started([EMAIL_COLUMN]);
    h.send(
      fe.parse("", "SELECT email, id FROM customers"),
      fe.bind("", "", [1]),
      fe.describe("P", ""),
      fe.execute(""),
      fe.sync(),
    );
    const fields = [
      { name: "email", tableOid: CUSTOMERS.oid, attnum: 2, format: 1 },
      { name: "id", tableOid: CUSTOMERS.oid, attnum: 1, typeOid: INT4, format: 1 },
    ];
    const one = Buffer.from([0, 0, 0, 1]);
    const items = await h.receive(
      Buffer.concat([
        be.parseComplete(),
        be.bindComplete(),
        be.rowDescription(fields),
        be.dataRow(["ann@example.com", one]),
        be.commandComplete("SELECT 1"),
        be.readyForQuery(),
      ]),
    );
    expect(flow(items)).toEqual([
      Buffer.concat([
        be.parseComplete(),
        be.bindComplete(),
        be.rowDescription(fields),
        be.dataRow(["[REDACTED]", one]),
      ]),
      { maskStats: { COLUMN: 1 } },
      Buffer.concat([be.commandComplete("SELECT 1"), be.readyForQuery()]),
    ]);
  });

  it("of a statement described once and executed later without a Describe use the statement's columns and the Bind's formats", async () => {
    const h = await started([EMAIL_COLUMN]);
    const fields = [{ name: "email", tableOid: CUSTOMERS.oid, attnum: 2 }];
    h.send(fe.parse("s1", "SELECT email FROM customers"), fe.describe("S", "s1"), fe.sync());
    await h.receive(
      Buffer.concat([
        be.parseComplete(),
        be.parameterDescription([]),
        be.rowDescription(fields),
        be.readyForQuery(),
      ]),
    );
    h.send(fe.bind("", "s1", [1]), fe.execute(""), fe.sync());
    const items = await h.receive(
      Buffer.concat([
        be.bindComplete(),
        be.dataRow(["ann@example.com"]),
        be.commandComplete("SELECT 1"),
        be.readyForQuery(),
      ]),
    );
    expect(bytesOf(items)).toEqual(
      Buffer.concat([
        be.bindComplete(),
        be.dataRow(["[REDACTED]"]),
        be.commandComplete("SELECT 1"),
        be.readyForQuery(),
      ]),
    );
  });

  it("belong to the portal the Execute names, not to the last RowDescription", async () => {
    // Describe p1 (one harmless column) and then Execute p0: backend messages
    // alone would pair p0's rows with p1's description.
    const h = await started([EMAIL_COLUMN]);
    h.send(
      fe.parse("a", "SELECT email FROM customers"),
      fe.bind("p0", "a"),
      fe.describe("P", "p0"),
      fe.parse("b", "SELECT 'x'"),
      fe.bind("p1", "b"),
      fe.describe("P", "p1"),
      fe.execute("p0"),
      fe.sync(),
    );
    const items = await h.receive(
      Buffer.concat([
        be.parseComplete(),
        be.bindComplete(),
        be.rowDescription([{ name: "email", tableOid: CUSTOMERS.oid, attnum: 2 }]),
        be.parseComplete(),
        be.bindComplete(),
        be.rowDescription([{ name: "?column?" }]),
        be.dataRow(["ann@example.com"]),
        be.commandComplete("SELECT 1"),
        be.readyForQuery("T"),
      ]),
    );
    expect(messagesOf(bytesOf(items)).filter((m) => m.type === "dataRow")[0]?.raw).toEqual(
      be.dataRow(["[REDACTED]"]),
    );
  });

  it("of a portal never described end the session", async () => {
    const h = await started([EMAIL_COLUMN]);
    h.send(fe.parse("s2", "SELECT email FROM customers"), fe.sync());
    await h.receive(Buffer.concat([be.parseComplete(), be.readyForQuery()]));
    h.send(fe.bind("", "s2"), fe.execute(""), fe.sync());
    const err = await failure(
      h.receive(Buffer.concat([be.bindComplete(), be.dataRow(["ann@example.com"])])),
    );
    expect(err.code).toBe(CloseCode.CLOSE_CODE_PERMISSION_DENIED);
    expect(err.message).toMatch(/neither it nor its statement was described/);
  });

  it("continue a suspended portal with the same plan; stats once, at CommandComplete", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(
      fe.parse("", "SELECT note FROM customers"),
      fe.bind("c", ""),
      fe.describe("P", "c"),
      fe.execute("c", 1),
      fe.execute("c", 0),
      fe.sync(),
    );
    const items = await h.receive(
      Buffer.concat([
        be.parseComplete(),
        be.bindComplete(),
        be.rowDescription([{ name: "note", tableOid: CUSTOMERS.oid, attnum: 3 }]),
        be.dataRow(["a@b.io"]),
        be.portalSuspended(),
        be.dataRow(["c@d.io"]),
        be.commandComplete("SELECT 1"),
        be.readyForQuery("T"),
      ]),
    );
    const stats = items.filter((i) => !Buffer.isBuffer(i));
    expect(stats).toEqual([{ maskStats: { EMAIL: 2 } }]);
    const rows = messagesOf(bytesOf(items)).filter((m) => m.type === "dataRow");
    expect(rows.map((m) => m.raw)).toEqual([
      be.dataRow(["[REDACTED:EMAIL]"]),
      be.dataRow(["[REDACTED:EMAIL]"]),
    ]);
  });

  it("after an error, the rest of the batch up to Sync is skipped, as the server does", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(
      fe.parse("", "SELEC oops"),
      fe.bind("", ""),
      fe.describe("P", ""),
      fe.execute(""),
      fe.sync(),
    );
    await h.receive(
      Buffer.concat([be.errorResponse('syntax error at or near "SELEC"'), be.readyForQuery()]),
    );
    h.send(fe.query("SELECT 'a@b.io'"));
    const items = await h.receive(
      Buffer.concat([
        be.rowDescription([{ name: "x" }]),
        be.dataRow(["a@b.io"]),
        be.commandComplete("SELECT 1"),
        be.readyForQuery(),
      ]),
    );
    expect(messagesOf(bytesOf(items))[1]?.raw).toEqual(be.dataRow(["[REDACTED:EMAIL]"]));
  });

  it("an error before the batch's Sync was written discards what follows up to that Sync", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(fe.parse("", "SELEC oops"), fe.bind("", ""));
    await h.receive(be.errorResponse("syntax error"));
    h.send(fe.describe("P", ""), fe.execute(""), fe.sync(), fe.query("SELECT 'a@b.io'"));
    const items = await h.receive(
      Buffer.concat([
        be.readyForQuery(),
        be.rowDescription([{ name: "x" }]),
        be.dataRow(["a@b.io"]),
        be.commandComplete("SELECT 1"),
        be.readyForQuery(),
      ]),
    );
    expect(messagesOf(bytesOf(items))[2]?.raw).toEqual(be.dataRow(["[REDACTED:EMAIL]"]));
  });

  it("a reply that matches no request ends the session", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(fe.sync());
    const err = await failure(h.receive(be.bindComplete()));
    expect(err.code).toBe(CloseCode.CLOSE_CODE_INTERNAL);
  });
});

describe("COPY … TO STDOUT", () => {
  const copyReply = (...lines: string[]): Buffer =>
    Buffer.concat([
      be.copyOutResponse(0, 3),
      ...lines.map((line) => be.copyData(line)),
      be.copyDone(),
      be.commandComplete(`COPY ${lines.length}`),
      be.readyForQuery(),
    ]);

  async function afterOneCycle(rules: readonly Rule[], catalog?: FakeCatalog): Promise<Harness> {
    const h = await started(rules, catalog);
    h.send(fe.query("SELECT 1"));
    await h.receive(
      Buffer.concat([
        be.rowDescription([{ name: "?column?", typeOid: INT4 }]),
        be.dataRow(["1"]),
        be.commandComplete("SELECT 1"),
        be.readyForQuery(),
      ]),
    );
    return h;
  }

  it("with a hint for its (ready_index, copy_ordinal) masks the hinted table's columns", async () => {
    // One ReadyForQuery after the startup's: this COPY is in cycle 1.
    const h = await afterOneCycle([EMAIL_COLUMN]);
    h.hint({ readyIndex: 1, copyOrdinal: 0, table: "public.customers" });
    h.send(fe.query("COPY customers TO STDOUT"));
    const items = await h.receive(copyReply("1\tann@example.com\thi\n", "2\t\\N\tho\n"));
    expect(flow(items)).toEqual([
      Buffer.concat([
        be.copyOutResponse(0, 3),
        be.copyData("1\t[REDACTED]\thi\n"),
        be.copyData("2\t\\N\tho\n"),
      ]),
      { maskStats: { COLUMN: 1 } },
      Buffer.concat([be.copyDone(), be.commandComplete("COPY 2"), be.readyForQuery()]),
    ]);
    expect(h.catalog.tableCalls).toEqual(["public.customers"]);
  });

  it("with a hint naming columns uses them in that order", async () => {
    const h = await afterOneCycle([EMAIL_COLUMN]);
    h.hint({ readyIndex: 1, table: "public.customers", columns: ["email", "id", "note"] });
    h.send(fe.query("COPY customers (email, id, note) TO STDOUT"));
    const items = await h.receive(copyReply("ann@example.com\t1\thi\n"));
    expect(messagesOf(bytesOf(items))[1]?.raw).toEqual(be.copyData("[REDACTED]\t1\thi\n"));
  });

  it("takes a hint only for its own position: the second COPY of a cycle", async () => {
    const h = await afterOneCycle([EMAIL_COLUMN, EMAIL_CONTENT]);
    h.hint({ readyIndex: 1, copyOrdinal: 1, table: "public.customers" });
    h.send(fe.query("COPY (SELECT 1, 'x', 'y') TO STDOUT; COPY customers TO STDOUT"));
    const items = await h.receive(
      Buffer.concat([
        be.copyOutResponse(0, 3),
        be.copyData("1\tann@example.com\tann@example.com\n"),
        be.copyDone(),
        be.commandComplete("COPY 1"),
        be.copyOutResponse(0, 3),
        be.copyData("1\tann@example.com\tann@example.com\n"),
        be.copyDone(),
        be.commandComplete("COPY 1"),
        be.readyForQuery(),
      ]),
    );
    const data = messagesOf(bytesOf(items)).filter((m) => m.type === "copyData");
    expect(data.map((m) => m.raw)).toEqual([
      // No hint: content only.
      be.copyData("1\t[REDACTED:EMAIL]\t[REDACTED:EMAIL]\n"),
      // The hint: email is a column rule, note is scanned.
      be.copyData("1\t[REDACTED]\t[REDACTED:EMAIL]\n"),
    ]);
    expect(items.filter((i) => !Buffer.isBuffer(i))).toEqual([
      { maskStats: { EMAIL: 2 } },
      { maskStats: { COLUMN: 1, EMAIL: 1 } },
    ]);
  });

  it("a hint for another cycle does not apply (ready_index counts ReadyForQuery after the startup)", async () => {
    const h = await afterOneCycle([EMAIL_COLUMN]);
    h.hint({ readyIndex: 2, table: "public.customers" });
    h.send(fe.query("COPY customers TO STDOUT"));
    const items = await h.receive(copyReply("1\tann@example.com\thi\n"));
    // Cycle 1, no hint for it: no column known, the email column rule cannot apply.
    expect(messagesOf(bytesOf(items))[1]?.raw).toEqual(be.copyData("1\tann@example.com\thi\n"));
    // Cycle 2 uses it.
    h.send(fe.query("COPY customers TO STDOUT"));
    const next = await h.receive(copyReply("1\tann@example.com\thi\n"));
    expect(messagesOf(bytesOf(next))[1]?.raw).toEqual(be.copyData("1\t[REDACTED]\thi\n"));
  });

  it("counts the cycles of Sync and Query alike, and not the startup's ReadyForQuery", async () => {
    const h = await started([EMAIL_COLUMN]);
    h.hint({ readyIndex: 2, table: "public.customers" });
    h.send(fe.sync(), fe.query("SET x = 1"), fe.query("COPY customers TO STDOUT"));
    const items = await h.receive(
      Buffer.concat([
        be.readyForQuery(),
        be.commandComplete("SET"),
        be.readyForQuery(),
        copyReply("1\tann@example.com\thi\n"),
      ]),
    );
    expect(messagesOf(bytesOf(items)).find((m) => m.type === "copyData")?.raw).toEqual(
      be.copyData("1\t[REDACTED]\thi\n"),
    );
  });

  it("without a hint is masked by content", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(fe.query("COPY (SELECT id, email, note FROM customers) TO STDOUT"));
    const items = await h.receive(copyReply("1\tann@example.com\thi\n"));
    expect(messagesOf(bytesOf(items))[1]?.raw).toEqual(be.copyData("1\t[REDACTED:EMAIL]\thi\n"));
    expect(h.catalog.opened).toBe(0);
  });

  it("in binary format ends the session, and nothing of it is forwarded", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(fe.query("COPY customers TO STDOUT (FORMAT binary)"));
    const err = await failure(
      h.receive(
        Buffer.concat([be.copyOutResponse(1, 3), be.copyData(Buffer.from("PGCOPY\n\xff\r\n\0"))]),
      ),
    );
    expect(err.code).toBe(CloseCode.CLOSE_CODE_PERMISSION_DENIED);
    expect(err.message).toMatch(/binary COPY output .* cannot be masked/);
    expect(err.message).toMatch(/text or csv/);
  });

  it("whose hinted table the catalog does not have ends the session", async () => {
    const h = await started([EMAIL_COLUMN]);
    h.hint({ readyIndex: 0, table: "public.nope" });
    h.send(fe.query("COPY nope TO STDOUT"));
    const err = await failure(h.receive(be.copyOutResponse(0, 3)));
    expect(err.message).toMatch(/"public.nope", which the target's catalog does not show/);
  });

  it("whose hint names another number of columns than the COPY sends ends the session", async () => {
    const h = await started([EMAIL_COLUMN]);
    h.hint({ readyIndex: 0, table: "public.customers", columns: ["email"] });
    h.send(fe.query("COPY customers (email) TO STDOUT"));
    const err = await failure(h.receive(be.copyOutResponse(0, 3)));
    expect(err.message).toMatch(/names 1 columns but the target's COPY sends 3/);
  });
});

describe("COPY … FROM STDIN", () => {
  it("keeps the cycles counted when the server ignores the Syncs sent during it", async () => {
    const h = await started([EMAIL_COLUMN]);
    // libpq's extended COPY: Sync right after Execute (ignored in copy mode), data, CopyDone, Sync.
    h.send(fe.parse("", "COPY t FROM STDIN"), fe.bind("", ""), fe.execute(""), fe.sync());
    await h.receive(Buffer.concat([be.parseComplete(), be.bindComplete(), be.copyInResponse(1)]));
    h.send(fe.copyData("1\n"), fe.copyData("2\n"), fe.copyDone(), fe.sync());
    await h.receive(Buffer.concat([be.commandComplete("COPY 2"), be.readyForQuery()]));
    // One cycle went by: a COPY now is cycle 1.
    h.hint({ readyIndex: 1, table: "public.customers" });
    h.send(fe.query("COPY customers TO STDOUT"));
    const items = await h.receive(
      Buffer.concat([
        be.copyOutResponse(0, 3),
        be.copyData("1\tann@example.com\thi\n"),
        be.copyDone(),
        be.commandComplete("COPY 1"),
        be.readyForQuery(),
      ]),
    );
    expect(messagesOf(bytesOf(items))[1]?.raw).toEqual(be.copyData("1\t[REDACTED]\thi\n"));
  });

  it("that fails keeps the Syncs after the failure", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(fe.parse("", "COPY t FROM STDIN"), fe.bind("", ""), fe.execute(""), fe.sync());
    await h.receive(Buffer.concat([be.parseComplete(), be.bindComplete(), be.copyInResponse(1)]));
    h.send(fe.copyFail("client gave up"), fe.sync());
    await h.receive(
      Buffer.concat([be.errorResponse("COPY from stdin failed"), be.readyForQuery()]),
    );
    h.send(fe.query("SELECT 'a@b.io'"));
    const items = await h.receive(
      Buffer.concat([
        be.rowDescription([{ name: "x" }]),
        be.dataRow(["a@b.io"]),
        be.commandComplete("SELECT 1"),
        be.readyForQuery(),
      ]),
    );
    expect(messagesOf(bytesOf(items))[1]?.raw).toEqual(be.dataRow(["[REDACTED:EMAIL]"]));
  });

  it("in a simple Query works the same", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(fe.query("COPY t FROM STDIN"));
    await h.receive(be.copyInResponse(1));
    h.send(fe.copyData("1\n"), fe.copyDone());
    const items = await h.receive(
      Buffer.concat([be.commandComplete("COPY 1"), be.readyForQuery()]),
    );
    expect(bytesOf(items)).toEqual(
      Buffer.concat([be.commandComplete("COPY 1"), be.readyForQuery()]),
    );
  });
});

describe("the catalog", () => {
  it("is read once per table, and again when a table OID is new", async () => {
    const orders = {
      oid: 16500,
      schema: "shop",
      table: "orders",
      columns: [{ name: "email", typeOid: TEXT }],
    };
    const catalog = new FakeCatalog([CUSTOMERS]);
    const h = await started([EMAIL_COLUMN], catalog);
    const select = async (tableOid: number): Promise<Buffer> => {
      h.send(fe.query("SELECT …"));
      const items = await h.receive(
        Buffer.concat([
          be.rowDescription([{ name: "e", tableOid, attnum: tableOid === CUSTOMERS.oid ? 2 : 1 }]),
          be.dataRow(["ann@example.com"]),
          be.commandComplete("SELECT 1"),
          be.readyForQuery(),
        ]),
      );
      return messagesOf(bytesOf(items))[1]?.raw ?? Buffer.alloc(0);
    };
    expect(await select(CUSTOMERS.oid)).toEqual(be.dataRow(["[REDACTED]"]));
    expect(await select(CUSTOMERS.oid)).toEqual(be.dataRow(["[REDACTED]"]));
    expect(catalog.attributeCalls).toEqual([[CUSTOMERS.oid]]);
    // Created mid-session: a miss, read again.
    catalog.tables.push(orders);
    expect(await select(orders.oid)).toEqual(be.dataRow(["[REDACTED]"]));
    expect(catalog.attributeCalls).toEqual([[CUSTOMERS.oid], [orders.oid]]);
    expect(catalog.opened).toBe(1);
  });

  it("not showing a relation ends the session (a column rule might have applied)", async () => {
    const h = await started([EMAIL_COLUMN]);
    h.send(fe.query("SELECT email FROM uncommitted"));
    const err = await failure(
      h.receive(be.rowDescription([{ name: "email", tableOid: 99999, attnum: 1 }])),
    );
    expect(err.code).toBe(CloseCode.CLOSE_CODE_PERMISSION_DENIED);
    expect(err.message).toMatch(/relation OID 99999/);
  });

  it("is not needed without column rules: sources stay null and content is scanned", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(fe.query("SELECT email FROM customers"));
    const items = await h.receive(
      Buffer.concat([
        be.rowDescription([{ name: "email", tableOid: CUSTOMERS.oid, attnum: 2 }]),
        be.dataRow(["ann@example.com"]),
        be.commandComplete("SELECT 1"),
        be.readyForQuery(),
      ]),
    );
    expect(messagesOf(bytesOf(items))[1]?.raw).toEqual(be.dataRow(["[REDACTED:EMAIL]"]));
    expect(h.catalog.opened).toBe(0);
  });

  it("is read for detectors scoped to columns too", async () => {
    const h = await started([{ columns: ["*.note"], detect: ["email"], strategy: "redact" }]);
    h.send(fe.query("SELECT note, 'x@y.io' FROM customers"));
    const items = await h.receive(
      Buffer.concat([
        be.rowDescription([{ name: "note", tableOid: CUSTOMERS.oid, attnum: 3 }, { name: "e" }]),
        be.dataRow(["write to ann@example.com", "x@y.io"]),
        be.commandComplete("SELECT 1"),
        be.readyForQuery(),
      ]),
    );
    expect(messagesOf(bytesOf(items))[1]?.raw).toEqual(
      be.dataRow(["write to [REDACTED:EMAIL]", "x@y.io"]),
    );
    expect(h.catalog.attributeCalls).toEqual([[CUSTOMERS.oid]]);
  });
});

describe("mask updates", () => {
  const select = Buffer.concat([
    be.rowDescription([{ name: "x" }]),
    be.dataRow(["ann@example.com"]),
    be.commandComplete("SELECT 1"),
    be.readyForQuery(),
  ]);

  it("apply to the next result", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.update([{ detect: ["email"], strategy: "partial" }]);
    h.send(fe.query("SELECT 'ann@example.com'"));
    const items = await h.receive(select);
    expect(messagesOf(bytesOf(items))[1]?.raw).toEqual(be.dataRow(["***@example.com"]));
  });

  it("without rules leave the bytes untouched (and COPY binary allowed)", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.update([]);
    h.send(fe.query("SELECT 'ann@example.com'"));
    const items = await h.receive(select);
    expect(flow(items)).toEqual([select]);
    h.send(fe.query("COPY t TO STDOUT (FORMAT binary)"));
    const binary = Buffer.concat([be.copyOutResponse(1, 1), be.copyData("PGCOPY"), be.copyDone()]);
    expect(bytesOf(await h.receive(binary))).toEqual(binary);
  });

  it("do not change a result already planned", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(fe.query("SELECT 'ann@example.com'"));
    const first = await h.receive(
      Buffer.concat([be.rowDescription([{ name: "x" }]), be.dataRow(["ann@example.com"])]),
    );
    h.update([]);
    const rest = await h.receive(
      Buffer.concat([
        be.dataRow(["ann@example.com"]),
        be.commandComplete("SELECT 2"),
        be.readyForQuery(),
      ]),
    );
    const rows = messagesOf(bytesOf([...first, ...rest])).filter((m) => m.type === "dataRow");
    expect(rows.map((m) => m.raw)).toEqual([
      be.dataRow(["[REDACTED:EMAIL]"]),
      be.dataRow(["[REDACTED:EMAIL]"]),
    ]);
  });

  it("with rules the library refuses end the session", async () => {
    const h = await started([EMAIL_CONTENT]);
    expect(() => h.update([{ detect: ["shoe_size"], strategy: "redact" }])).toThrow(
      /unknown detector "shoe_size"/,
    );
    expect(await failure(h.receive(select))).toBeInstanceOf(SessionError);
  });
});
