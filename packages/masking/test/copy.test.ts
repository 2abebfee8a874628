import { describe, expect, it } from "vitest";
import { Masker, type MaskCounts, type MaskRule, applyStrategy } from "../src/index";
import { escapeCopyField, unescapeCopyField } from "../src/copy-text";
import {
  csvField,
  csvFieldValue,
  quoteCsvField,
  readCsvRecord,
  type CsvField,
} from "../src/copy-csv";
import { resolveCopyFormat } from "../src/copy-format";
import { KEY, OID, col } from "./helpers";

const copyPlan = (
  rules: MaskRule[],
  columns: Parameters<Masker["planCopy"]>[0],
  fieldCount: number,
) => new Masker(rules, KEY).planCopy(columns, fieldCount);

/** COPY text escaping written out by hand (independently of escapeCopyField). */
const escaped = (s: string) =>
  s
    .replaceAll("\\", "\\\\")
    .replaceAll("\t", "\\t")
    .replaceAll("\n", "\\n")
    .replaceAll("\r", "\\r")
    .replaceAll("\b", "\\b")
    .replaceAll("\f", "\\f")
    .replaceAll("\v", "\\v");

const line = (...fields: (string | null)[]) =>
  Buffer.from(fields.map((f) => (f === null ? "\\N" : escaped(f))).join("\t") + "\n");

describe("COPY text escaping", () => {
  const values = [
    "plain",
    "",
    "tab\there",
    "new\nline",
    "cr\r\nlf",
    "back\\slash",
    "\\N as text",
    "trailing backslash\\",
    "ctl \b \f \v",
    "ünïcødé ✓",
    "\\\t\\\n\\\\",
  ];

  it.each(values)("escape then unescape gives back %j", (value) => {
    const raw = escapeCopyField(Buffer.from(value));
    expect(raw.toString()).toBe(escaped(value));
    expect(unescapeCopyField(raw).toString()).toBe(value);
  });

  it.each([
    ["octal escapes", "\\101\\102\\7", "AB\x07"],
    ["hex escapes", "\\x41\\x4a\\x7", "AJ\x07"],
    ["a backslash before any other character stands for it", "\\a\\.\\N", "a.N"],
    ["no backslash: the same bytes", "as is", "as is"],
  ])("unescape: %s", (_name, raw, value) => {
    expect(unescapeCopyField(Buffer.from(raw)).toString("latin1")).toBe(value);
  });
});

describe("planCopy / maskCopyData", () => {
  const emails: MaskRule[] = [{ detect: ["email"], strategy: "redact" }];

  it("masks a detector match in a field and keeps the other fields and \\N", () => {
    const plan = copyPlan(emails, undefined, 3)!;
    const out = plan.maskCopyData(line("1", "bob@example.com", null), {});
    expect(out?.toString()).toBe("1\t[REDACTED:EMAIL]\t\\N\n");
  });

  it("keeps tabs, newlines and backslashes of a masked value escaped", () => {
    const plan = copyPlan(emails, undefined, 2)!;
    const value = "to:\tbob@example.com\nC:\\dir\\";
    const out = plan.maskCopyData(line(value, "x"), {});
    expect(out?.toString()).toBe(`${escaped("to:\t[REDACTED:EMAIL]\nC:\\dir\\")}\tx\n`);
  });

  it("re-escapes a strategy output that holds characters needing escapes", () => {
    const rules: MaskRule[] = [{ columns: ["t.note"], strategy: "partial" }];
    const plan = copyPlan(
      rules,
      [col("id", "public.t.id", OID.int4), col("note", "public.t.note")],
      2,
    )!;
    const value = "abcdefg\\x\ty";
    const out = plan.maskCopyData(line("1", value), {});
    const expected = applyStrategy("partial", value, "COLUMN", KEY)!;
    expect(expected.endsWith("x\ty")).toBe(true);
    expect(out?.toString()).toBe(`1\t${escaped(expected)}\n`);
  });

  it("returns undefined when nothing changed", () => {
    const plan = copyPlan(emails, undefined, 2)!;
    expect(plan.maskCopyData(line("1", "nothing \\ here\t"), {})).toBeUndefined();
  });

  it("without columns every field is scanned by content, as text", () => {
    const plan = copyPlan([{ detect: ["credit_card"], strategy: "partial" }], undefined, 3)!;
    const out = plan.maskCopyData(line("4111111111111111", "a", "4111 1111 1111 1111"), {});
    expect(out?.toString()).toBe("************1111\ta\t***************1111\n");
  });

  it("with columns, column rules apply by source and give NULL on non-text types", () => {
    const rules: MaskRule[] = [{ columns: ["*.ssn", "*.birth"], strategy: "redact" }];
    const plan = copyPlan(
      rules,
      [
        col("id", "public.p.id", OID.int4),
        col("ssn", "public.p.ssn"),
        col("birth", "public.p.birth", 1082),
      ],
      3,
    )!;
    const counts: MaskCounts = {};
    const out = plan.maskCopyData(line("7", "123-45-6789", "1990-01-01"), counts);
    expect(out?.toString()).toBe("7\t[REDACTED]\t\\N\n");
    expect(counts).toEqual({ COLUMN: 2 });
  });

  it("keeps \\N under a column rule, uncounted", () => {
    const plan = copyPlan(
      [{ columns: ["*.ssn"], strategy: "redact" }],
      [col("ssn", "public.p.ssn")],
      1,
    )!;
    const counts: MaskCounts = {};
    expect(plan.maskCopyData(line(null), counts)).toBeUndefined();
    expect(counts).toEqual({});
  });

  it("masks every row of a payload holding several", () => {
    const plan = copyPlan(emails, undefined, 1)!;
    const data = Buffer.concat([line("a@example.com"), line("none"), line("b@example.com")]);
    expect(plan.maskCopyData(data, {})?.toString()).toBe(
      "[REDACTED:EMAIL]\nnone\n[REDACTED:EMAIL]\n",
    );
  });

  it("a hinted COPY whose rows have another field count is refused", () => {
    const plan = copyPlan(
      [{ columns: ["*.ssn"], strategy: "redact" }],
      [col("ssn", "public.p.ssn"), col("x", "public.p.x")],
      2,
    )!;
    expect(() => plan.maskCopyData(line("123-45-6789"), {})).toThrow(/1 fields/);
  });

  it("without columns, fields stay byte for byte but for the matches (a CSV COPY too)", () => {
    const plan = copyPlan(emails, undefined, 3)!;
    const csv = Buffer.from(String.raw`1,"C:\Users\x41\bob","bob@example.com"` + "\n");
    expect(plan.maskCopyData(csv, {})?.toString()).toBe(
      String.raw`1,"C:\Users\x41\bob","[REDACTED:EMAIL]"` + "\n",
    );
  });

  it("a hinted COPY whose rows do not split into its columns (csv read as text) is refused", () => {
    const plan = copyPlan(
      [{ columns: ["*.ssn"], strategy: "redact" }],
      [col("id", "public.p.id", OID.int4), col("ssn", "public.p.ssn")],
      2,
    )!;
    expect(() => plan.maskCopyData(Buffer.from("1,123-45-6789\n"), {})).toThrow(
      /format and DELIMITER/,
    );
  });

  it("a hint naming another number of columns than the COPY has is refused", () => {
    const m = new Masker([{ columns: ["*.ssn"], strategy: "redact" }], KEY);
    expect(() => m.planCopy([col("ssn", "public.p.ssn")], 2)).toThrow(/2 fields/);
  });

  it("is undefined when no rule can apply", () => {
    expect(copyPlan([{ columns: ["*.ssn"], strategy: "redact" }], undefined, 3)).toBeUndefined();
    expect(
      copyPlan(
        [{ columns: ["*.ssn"], strategy: "redact" }],
        [col("id", "public.p.id", OID.int4)],
        1,
      ),
    ).toBeUndefined();
  });

  it("a column whose type is not given (OID 0) is scanned as text, and a column rule on it gives NULL", () => {
    const plan = copyPlan(
      [
        { columns: ["*.ssn"], strategy: "redact" },
        { detect: ["email"], strategy: "redact" },
      ],
      [col("ssn", "public.p.ssn", 0), col("mail", "public.p.mail", 0)],
      2,
    )!;
    expect(plan.maskCopyData(line("123-45-6789", "bob@example.com"), {})?.toString()).toBe(
      "\\N\t[REDACTED:EMAIL]\n",
    );
  });

  it("the hash of a value is the same in COPY as in a query result", () => {
    const rules: MaskRule[] = [{ columns: ["*.email"], strategy: "hash" }];
    const c = col("email", "public.u.email");
    const copied = copyPlan(rules, [c], 1)!.maskCopyData(line("bob@example.com"), {})!.toString();
    const queried = new Masker(rules, KEY)
      .plan([c])!
      .maskRow([Buffer.from("bob@example.com")], {})![0]!
      .toString();
    expect(copied).toBe(`${queried}\n`);
  });
});

describe("COPY with a known format (from the hint)", () => {
  const people = [
    col("id", "public.people.id", OID.int4),
    col("name", "public.people.name"),
    col("email", "public.people.email"),
    col("ssn", "public.people.ssn"),
  ];
  const rules: MaskRule[] = [
    { columns: ["*.ssn"], strategy: "redact" },
    { detect: ["email"], strategy: "redact" },
  ];
  const csv = (rows: string, format = {}) =>
    new Masker(rules, KEY)
      .planCopy(people, 4, { format: "csv", ...format })!
      .maskCopyData(Buffer.from(rows), {})
      ?.toString();

  it("csv: a masked field is quoted only where Postgres would quote it; other fields stay byte for byte", () => {
    expect(csv('1,"Doe, Jane",jane@example.com,123-45-6789\n')).toBe(
      '1,"Doe, Jane",[REDACTED:EMAIL],[REDACTED]\n',
    );
    // A masked value holding the delimiter is quoted.
    expect(csv("1:x:bob@example.com:y\n", { delimiter: ":" })).toBe(
      '1:x:"[REDACTED:EMAIL]":[REDACTED]\n',
    );
  });

  it("csv: a masked field stays quoted when it was (FORCE_QUOTE)", () => {
    expect(csv('"1","x","jane@example.com","y"\n')).toBe(
      '"1","x","[REDACTED:EMAIL]","[REDACTED]"\n',
    );
  });

  it("csv: a masked value equal to the NULL marker is quoted", () => {
    const plan = new Masker([{ columns: ["*.name"], strategy: "partial" }], KEY).planCopy(
      people,
      4,
      { format: "csv", null: "**" },
    )!;
    // Equal to the NULL marker: quoted, or it would read as NULL.
    expect(plan.maskCopyData(Buffer.from("1,ab,x,y\n"), {})?.toString()).toBe('1,"**",x,y\n');
    expect(plan.maskCopyData(Buffer.from("1,abcdefgh,x,y\n"), {})?.toString()).toBe(
      "1,****efgh,x,y\n",
    );
  });

  it("csv: a quoted value with newlines, delimiters and doubled quotes is one field", () => {
    expect(csv('2,"a\nb, ""c""",x,"bob@example.com, ""home""\n2nd line"\n')).toBe(
      '2,"a\nb, ""c""",x,"[REDACTED]"\n',
    );
  });

  it("csv: an unquoted empty field is NULL and stays; a quoted empty one is a value", () => {
    const counts: MaskCounts = {};
    const plan = new Masker(rules, KEY).planCopy(people, 4, { format: "csv" })!;
    expect(plan.maskCopyData(Buffer.from("3,,,\n"), counts)).toBeUndefined();
    expect(plan.maskCopyData(Buffer.from('3,,,""\n'), counts)?.toString()).toBe(
      '3,,,"[REDACTED]"\n',
    );
    expect(counts).toEqual({ COLUMN: 1 });
  });

  it("csv: strategy null writes the NULL marker", () => {
    const plan = new Masker([{ columns: ["*.email"], strategy: "null" }], KEY).planCopy(people, 4, {
      format: "csv",
      null: "NULL",
    })!;
    expect(plan.maskCopyData(Buffer.from("4,x,bob@example.com,\n"), {})?.toString()).toBe(
      "4,x,NULL,\n",
    );
  });

  it("csv: QUOTE and ESCAPE options are honoured", () => {
    expect(
      csv("5;'it\\'s';'a\\\\b bob@example.com';x\n", { delimiter: ";", quote: "'", escape: "\\" }),
    ).toBe("5;'it\\'s';'a\\\\b [REDACTED:EMAIL]';[REDACTED]\n");
  });

  it("csv: \\r\\n line ends are kept", () => {
    expect(csv("6,x,bob@example.com,y\r\n")).toBe("6,x,[REDACTED:EMAIL],[REDACTED]\r\n");
  });

  it.each([
    [
      "csv",
      { format: "csv" as const, header: true },
      "id,name,email,ssn\n",
      "7,x,y,z\n",
      "7,[REDACTED],[REDACTED],z\n",
    ],
    [
      "text",
      { header: true },
      "id\tname\temail\tssn\n",
      "7\tx\ty\tz\n",
      "7\t[REDACTED]\t[REDACTED]\tz\n",
    ],
  ])(
    "%s: the HEADER row is passed through, the rows after it are masked",
    (_f, format, header, row, masked) => {
      const plan = new Masker(
        [{ columns: ["*.name", "*.email"], strategy: "redact" }],
        KEY,
      ).planCopy(people, 4, format)!;
      expect(plan.maskCopyData(Buffer.from(header), {})).toBeUndefined();
      expect(plan.maskCopyData(Buffer.from(row), {})?.toString()).toBe(masked);
    },
  );

  it("text: a custom DELIMITER and NULL string split and mark fields", () => {
    const plan = new Masker(rules, KEY).planCopy(people, 4, { delimiter: "|", null: "NULL" })!;
    expect(
      plan.maskCopyData(Buffer.from("8|a\\|b bob@example.com|NULL|123-45-6789\n"), {})?.toString(),
    ).toBe("8|a\\|b [REDACTED:EMAIL]|NULL|[REDACTED]\n");
  });

  it("text: a masked value holding the delimiter is escaped", () => {
    const plan = new Masker([{ columns: ["*.name"], strategy: "partial" }], KEY).planCopy(
      people,
      4,
      {
        delimiter: ",",
      },
    )!;
    expect(plan.maskCopyData(Buffer.from("9,abcdefg\\,hi,x,y\n"), {})?.toString()).toBe(
      "9,******g\\,hi,x,y\n",
    );
  });

  it("content only, format known: fields are decoded, so a hash matches the query result's", () => {
    const m = new Masker([{ detect: ["email"], strategy: "hash" }], KEY);
    const copied = m
      .planCopy(undefined, 1, { format: "csv" })!
      .maskCopyData(Buffer.from('"x\n""bob@example.com"""\n'), {})!
      .toString();
    const queried = m
      .plan([col("c", null)])!
      .maskRow([Buffer.from('x\n"bob@example.com"')], {})![0]!;
    expect(copied).toBe(`"${queried.toString().replaceAll('"', '""')}"\n`);
  });

  it.each([
    ["a two-character delimiter", { delimiter: "||" }],
    ["a multi-byte quote", { format: "csv" as const, quote: "«" }],
  ])("%s is refused", (_name, format) => {
    expect(() => new Masker(rules, KEY).planCopy(people, 4, format)).toThrow(/single-byte/);
  });

  it("csv: a quoted field that does not close is refused", () => {
    expect(() => csv('1,"open,x,y\n')).toThrow(/does not close/);
  });

  it("csv: a value is written as Postgres writes it, quoted only where it must be", () => {
    const f = resolveCopyFormat({ format: "csv" });
    const write = (value: string, wasQuoted = false) =>
      csvField(Buffer.from(value), f, wasQuoted).toString();
    expect(write("h:0123")).toBe("h:0123");
    expect(write("h:0123", true)).toBe('"h:0123"');
    expect(write("")).toBe('""'); // the NULL marker
    expect(write("\\.")).toBe('"\\."'); // the end-of-data marker
    expect(write("a,b")).toBe('"a,b"');
    expect(write('a"b')).toBe('"a""b"');
    expect(write("a\rb")).toBe('"a\rb"');
  });

  const values = ["plain", "", 'quo"te', "com,ma", "new\nline", "cr\r\nlf", '""', "back\\slash"];
  it.each(values)("csv: quoting then reading %j gives it back", (value) => {
    for (const options of [{}, { quote: "'", escape: "\\" }]) {
      const f = resolveCopyFormat({ format: "csv", ...options });
      const record = Buffer.concat([quoteCsvField(Buffer.from(value), f), Buffer.from(",x\n")]);
      const fields: CsvField[] = [];
      expect(readCsvRecord(record, 0, f, fields)).toBe(record.length);
      expect(fields).toHaveLength(2);
      expect(csvFieldValue(record, fields[0]!, f).toString()).toBe(value);
    }
  });
});
