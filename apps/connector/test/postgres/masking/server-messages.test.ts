// The target's own messages masked by content (message-text.ts): ErrorResponse
// and NoticeResponse fields, NotificationResponse payloads. Fixtures are written
// byte by byte (wire.ts), as Postgres 16 sends them.

import { describe, expect, it } from "vitest";
import { bytesOf, flow, messagesOf, started, type Rule } from "./harness";
import { be, fe } from "./wire";

const EMAIL_COLUMN: Rule = { columns: ["*.email"], strategy: "redact" };
const EMAIL_CONTENT: Rule = { detect: ["email"], strategy: "redact" };

/** A unique violation, every field as Postgres 16 writes it (elog.c's order). */
function uniqueViolation(email: string): [string, string][] {
  return [
    ["S", "ERROR"],
    ["V", "ERROR"],
    ["C", "23505"],
    ["M", 'duplicate key value violates unique constraint "customers_email_key"'],
    ["D", `Key (email)=(${email}) already exists.`],
    ["s", "public"],
    ["t", "customers"],
    ["n", "customers_email_key"],
    ["F", "nbtinsert.c"],
    ["L", "666"],
    ["R", "_bt_check_unique"],
  ];
}

const INSERT = "INSERT INTO customers VALUES (4, 'ann@example.com')";

/** An error or notice as Postgres 9.6+ sends it: with V, the unlocalized severity. */
function serverMessage(type: "E" | "N", message: string, code: string): Buffer {
  const severity = type === "E" ? "ERROR" : "NOTICE";
  return be.fields(type, [
    ["S", severity],
    ["V", severity],
    ["C", code],
    ["M", message],
  ]);
}

describe("an ErrorResponse", () => {
  it("has its DETAIL masked, every other field kept with its code, and its count sent just before it", async () => {
    // Only a column rule: the high-confidence detectors, redact.
    const h = await started([EMAIL_COLUMN]);
    h.send(fe.query(INSERT));
    const items = await h.receive(
      Buffer.concat([be.fields("E", uniqueViolation("ann@example.com")), be.readyForQuery()]),
    );
    expect(flow(items)).toEqual([
      { maskStats: { EMAIL: 1 } },
      Buffer.concat([be.fields("E", uniqueViolation("[REDACTED:EMAIL]")), be.readyForQuery()]),
    ]);
  });

  it("takes the strategy of the session's detect rule", async () => {
    const h = await started([{ detect: ["email"], strategy: "partial" }]);
    h.send(fe.query(INSERT));
    const items = await h.receive(
      Buffer.concat([be.fields("E", uniqueViolation("ann@example.com")), be.readyForQuery()]),
    );
    expect(bytesOf(items)).toEqual(
      Buffer.concat([be.fields("E", uniqueViolation("***@example.com")), be.readyForQuery()]),
    );
  });

  it("gets redact where the rule says null (a message field cannot be NULL)", async () => {
    const h = await started([{ detect: ["email"], strategy: "null" }]);
    h.send(fe.query(INSERT));
    const items = await h.receive(be.fields("E", uniqueViolation("ann@example.com")));
    expect(bytesOf(items)).toEqual(be.fields("E", uniqueViolation("[REDACTED:EMAIL]")));
  });

  it("with column rules and detect rules: the rules' detectors, plus the high-confidence ones", async () => {
    const h = await started([
      { columns: ["*.ssn"], strategy: "hash" },
      { detect: ["ssn"], strategy: "partial" },
    ]);
    h.send(fe.query("INSERT …"));
    const items = await h.receive(
      be.fields("E", [
        ["S", "ERROR"],
        ["V", "ERROR"],
        ["C", "23514"],
        ["M", 'new row for relation "customers" violates check constraint "c"'],
        ["D", "Failing row contains (4, ann@example.com, ssn 123-45-6789)."],
      ]),
    );
    const [error] = messagesOf(bytesOf(items));
    expect(error?.type === "errorResponse" && error.fields.detail).toBe(
      "Failing row contains (4, [REDACTED:EMAIL], ssn *******6789).",
    );
    expect(items[0]).toEqual({ maskStats: { EMAIL: 1, SSN: 1 } });
  });

  it("with only detect rules: only their detectors", async () => {
    const h = await started([{ detect: ["ssn"], strategy: "redact" }]);
    h.send(fe.query("INSERT …"));
    const chunk = be.fields("E", uniqueViolation("ann@example.com"));
    const items = await h.stage.process(chunk);
    expect(items).toEqual([chunk]);
  });

  it("masks every free-text field, codes pg-wire does not know included", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(fe.query("SELECT f()"));
    const fields = (email: string): [string, string][] => [
      ["S", "ERROR"],
      ["V", "ERROR"],
      ["C", "P0001"],
      ["M", `no account for ${email}`],
      ["D", `looked up ${email}`],
      ["H", `ask ${email}`],
      ["P", "8"],
      ["q", `SELECT * FROM accounts WHERE email = '${email}'`],
      ["W", `PL/pgSQL function f() line 3 at RAISE: ${email}`],
      ["F", "pl_exec.c"],
      ["L", "3911"],
      ["R", "exec_stmt_raise"],
      ["X", `future field ${email}`],
    ];
    const items = await h.receive(be.fields("E", fields("ann@example.com")));
    expect(items[0]).toEqual({ maskStats: { EMAIL: 6 } });
    // pg-wire writes P p q after W s t c d n (elog.c writes them before W): the
    // order of fields carries no meaning, their codes and values must be the same.
    const [masked] = messagesOf(bytesOf(items));
    const [expected] = messagesOf(be.fields("E", fields("[REDACTED:EMAIL]")));
    expect(masked?.type === "errorResponse" && masked.fields).toEqual(
      expected?.type === "errorResponse" && expected.fields,
    );
    expect(masked?.raw.length).toBe(expected?.raw.length);
  });

  it("without a match is forwarded as the very same bytes", async () => {
    const h = await started([EMAIL_COLUMN]);
    h.send(fe.query("SELECT 1/0"));
    const chunk = Buffer.concat([
      be.errorResponse("division by zero", "22012"),
      be.readyForQuery(),
    ]);
    const items = await h.stage.process(chunk);
    expect(items).toHaveLength(1);
    expect(items[0]).toBe(chunk);
  });

  it("that ends a result is counted with the result's rows, in one stats item before it", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(fe.query("SELECT f(x) FROM t"));
    const items = await h.receive(
      Buffer.concat([
        be.rowDescription([{ name: "f" }]),
        be.dataRow(["x@y.io"]),
        serverMessage("E", "bad value bob@example.org", "22023"),
        be.readyForQuery(),
      ]),
    );
    expect(flow(items)).toEqual([
      Buffer.concat([be.rowDescription([{ name: "f" }]), be.dataRow(["[REDACTED:EMAIL]"])]),
      { maskStats: { EMAIL: 2 } },
      Buffer.concat([
        serverMessage("E", "bad value [REDACTED:EMAIL]", "22023"),
        be.readyForQuery(),
      ]),
    ]);
  });

  it("is not touched once a mask update removed every rule", async () => {
    const h = await started([EMAIL_COLUMN]);
    h.update([]);
    h.send(fe.query(INSERT));
    const chunk = be.fields("E", uniqueViolation("ann@example.com"));
    expect(await h.stage.process(chunk)).toEqual([chunk]);
  });
});

describe("a NoticeResponse", () => {
  it("is masked, its count sent just before it; the rows' count stays with CommandComplete", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(fe.query("SELECT notify_and_return()"));
    const items = await h.receive(
      Buffer.concat([
        be.rowDescription([{ name: "x" }]),
        serverMessage("N", "sent a mail to ann@example.com", "00000"),
        be.dataRow(["bob@example.org"]),
        be.commandComplete("SELECT 1"),
        be.readyForQuery(),
      ]),
    );
    expect(flow(items)).toEqual([
      be.rowDescription([{ name: "x" }]),
      { maskStats: { EMAIL: 1 } },
      Buffer.concat([
        serverMessage("N", "sent a mail to [REDACTED:EMAIL]", "00000"),
        be.dataRow(["[REDACTED:EMAIL]"]),
      ]),
      { maskStats: { EMAIL: 1 } },
      Buffer.concat([be.commandComplete("SELECT 1"), be.readyForQuery()]),
    ]);
  });
});

describe("a NotificationResponse", () => {
  it("has its payload masked; process id and channel stay as they are", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.send(fe.query("NOTIFY signups, 'ann@example.com'"));
    const items = await h.receive(
      Buffer.concat([
        be.commandComplete("NOTIFY"),
        be.notificationResponse(4242, "signups", "new: ann@example.com"),
        be.readyForQuery(),
      ]),
    );
    expect(flow(items)).toEqual([
      be.commandComplete("NOTIFY"),
      { maskStats: { EMAIL: 1 } },
      Buffer.concat([
        be.notificationResponse(4242, "signups", "new: [REDACTED:EMAIL]"),
        be.readyForQuery(),
      ]),
    ]);
  });

  it("while idle (another session's NOTIFY) is masked too", async () => {
    const h = await started([EMAIL_COLUMN]);
    const items = await h.receive(be.notificationResponse(77, "ch", "ann@example.com"));
    expect(bytesOf(items)).toEqual(be.notificationResponse(77, "ch", "[REDACTED:EMAIL]"));
  });
});
