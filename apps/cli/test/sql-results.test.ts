import { describe, expect, it } from "vitest";
import { csvField, csvLine } from "../src/output/csv";
import { formatNotice, formatServerError } from "../src/output/sql-messages";
import {
  renderResults,
  renderResultsCsv,
  renderResultsJson,
  renderResultsTable,
  type SqlResult,
  uniqueKeys,
} from "../src/output/sql-results";
import { arrayLiteral, byteaText, jsonValue, textValue } from "../src/output/sql-values";

const INT4 = 23;
const TEXT = 25;
const BYTEA = 17;
const JSONB = 3802;

function select(fields: [string, number][], rows: unknown[][]): SqlResult {
  return {
    command: "SELECT",
    commandTag: `SELECT ${rows.length}`,
    rowCount: rows.length,
    fields: fields.map(([name, dataTypeID]) => ({ name, dataTypeID })),
    rows,
  };
}

const insert: SqlResult = {
  command: "INSERT",
  commandTag: "INSERT 0 1",
  rowCount: 1,
  fields: [],
  rows: [],
};
const createTable: SqlResult = {
  command: "CREATE",
  commandTag: "CREATE TABLE",
  rowCount: null,
  fields: [],
  rows: [],
};

const users = select(
  [
    ["id", INT4],
    ["name", TEXT],
    ["note", TEXT],
  ],
  [
    [1, "alice", null],
    [42, "bob", "likes, commas"],
  ],
);

describe("values as text", () => {
  it("prints NULL as null, booleans as t/f, numbers and strings as they are", () => {
    expect(textValue(null)).toBeNull();
    expect(textValue(undefined)).toBeNull();
    expect(textValue(true)).toBe("t");
    expect(textValue(false)).toBe("f");
    expect(textValue(1.5)).toBe("1.5");
    expect(textValue("9007199254740993")).toBe("9007199254740993");
  });

  it("prints dates as ISO, bytea as \\x hex and JSON documents as JSON", () => {
    expect(textValue(new Date("2025-11-25T12:00:00.123Z"))).toBe("2025-11-25T12:00:00.123Z");
    expect(textValue(Buffer.from([0xde, 0xad, 0xbe, 0xef]))).toBe("\\xdeadbeef");
    expect(byteaText(new Uint8Array([]))).toBe("\\x");
    expect(textValue({ k: [1, "two"] })).toBe('{"k":[1,"two"]}');
  });

  it("prints arrays as Postgres array literals, quoting what needs it", () => {
    expect(arrayLiteral([1, 2, null])).toBe("{1,2,NULL}");
    expect(
      arrayLiteral([
        [1, 2],
        [3, 4],
      ]),
    ).toBe("{{1,2},{3,4}}");
    expect(arrayLiteral(["a b", "c,d", 'q"uote', "back\\slash", "", "NULL", "plain"])).toBe(
      '{"a b","c,d","q\\"uote","back\\\\slash","","NULL",plain}',
    );
    expect(textValue([true, false])).toBe("{t,f}");
  });

  it("keeps JSON structured for --output json, and makes dates, bytes and big numbers text", () => {
    expect(jsonValue(null)).toBeNull();
    expect(jsonValue({ a: 1 })).toEqual({ a: 1 });
    expect(jsonValue([Buffer.from("hi"), null])).toEqual(["\\x6869", null]);
    expect(jsonValue(new Date("2025-01-02T03:04:05.000Z"))).toBe("2025-01-02T03:04:05.000Z");
    expect(jsonValue(Number.NaN)).toBe("NaN");
    expect(jsonValue(Number.POSITIVE_INFINITY)).toBe("Infinity");
    expect(jsonValue(10n)).toBe("10");
  });
});

describe("table output (psql's aligned format)", () => {
  it("centres headers, right-aligns numbers, shows NULL as empty and counts rows", () => {
    expect(renderResultsTable([users])).toBe(
      [
        " id | name  |     note",
        "----+-------+---------------",
        "  1 | alice |",
        " 42 | bob   | likes, commas",
        "(2 rows)",
        "",
      ].join("\n"),
    );
  });

  it("says (1 row) and (0 rows), and prints the header of an empty result", () => {
    expect(renderResultsTable([select([["n", INT4]], [[7]])])).toBe(" n\n---\n 7\n(1 row)\n");
    expect(renderResultsTable([select([["name", TEXT]], [])])).toBe(" name\n------\n(0 rows)\n");
  });

  it("prints the command tag for commands without rows, and separates tables by a blank line", () => {
    expect(renderResultsTable([createTable, insert, select([["n", INT4]], [[1]]), insert])).toBe(
      ["CREATE TABLE", "INSERT 0 1", " n", "---", " 1", "(1 row)", "", "INSERT 0 1", ""].join("\n"),
    );
  });

  it("keeps every row on one line: newlines, tabs and escape sequences are shown escaped", () => {
    const out = renderResultsTable([select([["t", TEXT]], [["a\nb\tc\u001b[2J"]])]);
    expect(out).toContain("a\\nb\\tc\\x1b[2J");
    expect(out.split("\n")).toHaveLength(5);
  });

  it("formats bytea, JSON and arrays in cells", () => {
    const out = renderResultsTable([
      select(
        [
          ["b", BYTEA],
          ["j", JSONB],
        ],
        [[Buffer.from([1, 255]), { a: [1, 2] }]],
      ),
    ]);
    expect(out).toContain('\\x01ff | {"a":[1,2]}');
  });
});

describe("json output", () => {
  it("prints one document: an array of {command, commandTag, rowCount, fields, rows}", () => {
    const parsed = JSON.parse(renderResultsJson([users, insert]));
    expect(parsed).toEqual([
      {
        command: "SELECT",
        commandTag: "SELECT 2",
        rowCount: 2,
        fields: [
          { name: "id", dataTypeID: INT4 },
          { name: "name", dataTypeID: TEXT },
          { name: "note", dataTypeID: TEXT },
        ],
        rows: [
          { id: 1, name: "alice", note: null },
          { id: 42, name: "bob", note: "likes, commas" },
        ],
      },
      { command: "INSERT", commandTag: "INSERT 0 1", rowCount: 1, fields: [], rows: [] },
    ]);
  });

  it("keeps every value when two columns share a name", () => {
    expect(uniqueKeys(["?column?", "?column?", "a", "a_2", "a"])).toEqual([
      "?column?",
      "?column?_2",
      "a",
      "a_2",
      "a_3",
    ]);
    const parsed = JSON.parse(
      renderResultsJson([
        select(
          [
            ["x", INT4],
            ["x", INT4],
          ],
          [[1, 2]],
        ),
      ]),
    );
    expect(parsed[0].rows).toEqual([{ x: 1, x_2: 2 }]);
  });

  it("is a single JSON document even for no results", () => {
    expect(renderResults([], "json")).toBe("[]\n");
  });
});

describe("csv output (RFC 4180 quoting)", () => {
  it("quotes commas, quotes and line breaks, doubling quotes", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\rhere")).toBe('"cr\rhere"');
    expect(csvLine(["a", null, ""])).toBe('a,,""\n');
  });

  it('prints NULL as an empty field and the empty string as ""', () => {
    const out = renderResultsCsv([
      select(
        [
          ["a", TEXT],
          ["b", TEXT],
        ],
        [
          [null, ""],
          ["x", null],
        ],
      ),
    ]);
    expect(out).toBe('a,b\n,""\nx,\n');
  });

  it("prints a header and rows per result with rows, separated by a blank line", () => {
    const out = renderResultsCsv([users, insert, select([["n", INT4]], [[1]])]);
    expect(out).toBe(
      ["id,name,note", "1,alice,", '42,bob,"likes, commas"', "", "n", "1", ""].join("\n"),
    );
  });

  it("quotes a column name that needs it and formats special values", () => {
    const out = renderResults(
      [
        select(
          [
            ['we"ird,name', TEXT],
            ["b", BYTEA],
            ["arr", 1009],
          ],
          [["v", Buffer.from("A"), ["x y", null]]],
        ),
      ],
      "csv",
    );
    expect(out).toBe('"we""ird,name",b,arr\nv,\\x41,"{""x y"",NULL}"\n');
  });
});

describe("server errors and notices", () => {
  it("prints the message with its SQLSTATE, then DETAIL and HINT lines", () => {
    expect(
      formatServerError({
        message: 'relation "nope" does not exist',
        code: "42P01",
      }),
    ).toBe('error: relation "nope" does not exist (SQLSTATE 42P01)\n');
    expect(
      formatServerError({
        message: "denied by policy",
        code: "42501",
        detail: "rule no-delete matched",
        hint: "ask for a review",
      }),
    ).toBe(
      "error: denied by policy (SQLSTATE 42501)\nDETAIL: rule no-delete matched\nHINT: ask for a review\n",
    );
  });

  it("prints notices with their severity and escapes control characters", () => {
    expect(formatNotice({ severity: "NOTICE", message: "held for review r-1" })).toBe(
      "NOTICE: held for review r-1\n",
    );
    expect(formatNotice({ severity: "WARNING", message: "x\u001by", detail: "a\nb" })).toBe(
      "WARNING: x\\x1by\nDETAIL: a\nb\n",
    );
  });
});
