// COPY … TO STDOUT planned with the format and options of its COPY hint: CSV
// (HEADER, another delimiter, quote, quoted fields holding the delimiter and
// newlines), text with another delimiter, and hints that name no table (COPY
// (query)), which split by format but mask by content only.

import { CloseCode } from "@airlock/proto";
import { describe, expect, it } from "vitest";
import { bytesOf, failure, flow, messagesOf, started, type Rule } from "./harness";
import { be, fe } from "./wire";

const EMAIL_COLUMN: Rule = { columns: ["*.email"], strategy: "redact" };
const EMAIL_CONTENT: Rule = { detect: ["email"], strategy: "redact" };

/** A COPY's reply: CopyOutResponse, one CopyData per line, CopyDone … ReadyForQuery. */
function copyReply(columns: number, ...lines: string[]): Buffer {
  return Buffer.concat([
    be.copyOutResponse(0, columns),
    ...lines.map((line) => be.copyData(line)),
    be.copyDone(),
    be.commandComplete(`COPY ${lines.length}`),
    be.readyForQuery(),
  ]);
}

function copyData(items: Parameters<typeof bytesOf>[0]): Buffer[] {
  return messagesOf(bytesOf(items))
    .filter((m) => m.type === "copyData")
    .map((m) => m.raw);
}

describe("a hinted CSV COPY of a table", () => {
  it("passes the HEADER row, splits by the delimiter, keeps quoted delimiters and newlines in one field", async () => {
    const h = await started([EMAIL_COLUMN, EMAIL_CONTENT]);
    h.hint({ table: "public.customers", format: "csv", delimiter: ";", header: true });
    h.send(fe.query("COPY customers TO STDOUT WITH (FORMAT csv, HEADER true, DELIMITER ';')"));
    const items = await h.receive(
      copyReply(
        3,
        "id;email;note\n",
        '1;ann@example.com;"a;b\nc bob@example.org"\n',
        '2;;"say ""hi""; to eve@example.net"\n',
        '3;"x;y@example.com";plain\n',
      ),
    );
    expect(flow(items)).toEqual([
      Buffer.concat([
        be.copyOutResponse(0, 3),
        // The header: column names as they are, not masked, not counted.
        be.copyData("id;email;note\n"),
        // Quoted where Postgres would quote it, or where it was quoted.
        be.copyData('1;[REDACTED];"a;b\nc [REDACTED:EMAIL]"\n'),
        // An unquoted empty field is NULL and stays NULL.
        be.copyData('2;;"say ""hi""; to [REDACTED:EMAIL]"\n'),
        be.copyData('3;"[REDACTED]";plain\n'),
      ]),
      // Three data rows: two emails by column rule (one NULL), two by content.
      { maskStats: { COLUMN: 2, EMAIL: 2 } },
      Buffer.concat([be.copyDone(), be.commandComplete("COPY 4"), be.readyForQuery()]),
    ]);
    expect(h.catalog.tableCalls).toEqual(["public.customers"]);
  });

  it("whose rows do not split into the table's columns ends the session", async () => {
    const h = await started([EMAIL_COLUMN]);
    h.hint({ table: "public.customers", format: "csv" });
    h.send(fe.query("COPY customers TO STDOUT (FORMAT csv, DELIMITER ';')"));
    const err = await failure(h.receive(copyReply(3, "1;ann@example.com;x\n")));
    expect(err.message).toMatch(/1 fields but the COPY hint names 3 columns/);
  });
});

describe("a hinted text COPY", () => {
  it("with another delimiter: an empty null_string is the default \\N, not an empty NULL marker", async () => {
    const h = await started([{ columns: ["*.email"], strategy: "null" }, EMAIL_CONTENT]);
    h.hint({ table: "public.customers", delimiter: "|", nullString: "" });
    h.send(fe.query("COPY customers TO STDOUT (DELIMITER '|')"));
    const items = await h.receive(
      copyReply(3, "1|ann@example.com|a\\|b eve@example.net\n", "2|\\N|\n"),
    );
    expect(copyData(items)).toEqual([
      be.copyData("1|\\N|a\\|b [REDACTED:EMAIL]\n"),
      // NULL stays NULL; an empty string is a value, not NULL.
      be.copyData("2|\\N|\n"),
    ]);
  });
});

describe("a hint naming no table (COPY (query), or a schema the control plane is not sure of)", () => {
  it("csv: split by the hint's delimiter and quote, masked by content, header passed", async () => {
    const h = await started([EMAIL_COLUMN, EMAIL_CONTENT]);
    h.hint({ table: "", format: "csv", delimiter: "|", quote: "'", header: true });
    h.send(fe.query("COPY (SELECT a, b FROM t) TO STDOUT (FORMAT csv, DELIMITER '|', QUOTE '''')"));
    const items = await h.receive(
      copyReply(2, "a|b\n", "'x| ann@example.com'|'it''s bob@example.org\nok'\n", "|\n"),
    );
    expect(copyData(items)).toEqual([
      be.copyData("a|b\n"),
      be.copyData("'x| [REDACTED:EMAIL]'|'it''s [REDACTED:EMAIL]\nok'\n"),
      be.copyData("|\n"),
    ]);
    expect(items.filter((i) => !Buffer.isBuffer(i))).toEqual([{ maskStats: { EMAIL: 2 } }]);
    // No table: the catalog is not read, and no column rule applies.
    expect(h.catalog.opened).toBe(0);
  });

  it("text with another delimiter: a field, not the whole line, becomes NULL", async () => {
    const h = await started([{ detect: ["email"], strategy: "null" }]);
    h.hint({ table: "", delimiter: ";" });
    h.send(fe.query("COPY (SELECT a, b FROM t) TO STDOUT (DELIMITER ';')"));
    const items = await h.receive(copyReply(2, "1 ann@example.com;x\n"));
    expect(copyData(items)).toEqual([be.copyData("\\N;x\n")]);
  });

  it("of a format that cannot be split (not text or csv) ends the session", async () => {
    const h = await started([EMAIL_CONTENT]);
    h.hint({ table: "", format: "binary" });
    h.send(fe.query("COPY t TO STDOUT"));
    const err = await failure(h.receive(be.copyOutResponse(0, 1)));
    expect(err.code).toBe(CloseCode.CLOSE_CODE_INTERNAL);
    expect(err.message).toMatch(/format "binary"/);
  });
});
