// Masking through the real gateway (docs/design/0007-masking.md): psql, pg (with type
// parsing, text and binary formats), \copy and pg_dump read a table of known PII through
// airlock connect → control plane → connector (which masks) → Postgres. Afterwards every
// stored record and API response is scanned for the clear values.
import { spawnSync } from "node:child_process";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { Gateway, permissivePolicy, pgBin, withClient } from "./gateway";
import { waitUntil } from "./harness";

// Known PII: each value must never come back (or be stored) in clear.
const PEOPLE = [
  {
    id: 1,
    email: "ada.lovelace@analytical.example",
    card: "4111 1111 1111 1111",
    ssn: "123-45-6789",
    iban: "GB82 WEST 1234 5698 7654 32",
    note: "call ada.lovelace@analytical.example about card 4111-1111-1111-1111",
  },
  {
    id: 2,
    email: "grace.hopper@cobol.example",
    card: "5555555555554444",
    ssn: "219-09-9999",
    iban: "DE89370400440532013000",
    note: "token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
  },
];
const CLEAR = [
  ...PEOPLE.flatMap((p) => [p.email, p.card, p.ssn, p.iban]),
  "4111-1111-1111-1111",
  "4111111111111111",
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
];

const MASKED_POLICY = {
  ...permissivePolicy("demo"),
  name: "test-allow-all",
  mask: [
    { columns: ["*.email"], strategy: "hash" },
    { columns: ["people.card"], strategy: "redact" },
    { columns: ["people.ssn", "people.balance"], strategy: "null" },
    { columns: ["customers.card_number"], strategy: "partial" },
    { detect: ["email", "credit_card", "ssn", "iban", "jwt"], strategy: "redact" },
  ],
};

let gw: Gateway;
let restored: TestDatabase;

beforeAll(async () => {
  gw = await Gateway.start({ policy: "none" });
  await gw.applyPolicy(MASKED_POLICY);
  await withClient(gw.target.url, async (c) => {
    await c.query(
      `CREATE TABLE people (id int PRIMARY KEY, email text NOT NULL UNIQUE, card text NOT NULL,
         ssn text, iban varchar(64), note text, balance numeric(12,2))`,
    );
    for (const p of PEOPLE) {
      await c.query("INSERT INTO people VALUES ($1, $2, $3, $4, $5, $6, 100.50)", [
        p.id,
        p.email,
        p.card,
        p.ssn,
        p.iban,
        p.note,
      ]);
    }
    await c.query("CREATE VIEW people_v AS SELECT id, email, note FROM people");
  });
  restored = await createTestDatabase();
}, 120_000);

afterAll(async () => {
  await restored?.drop();
  await gw?.stop();
});

function noClear(text: string): void {
  for (const value of CLEAR) expect(text, `clear value ${value}`).not.toContain(value);
}

describe("psql", () => {
  it("masks columns by rule and content by detector; the rows stay readable", () => {
    const res = gw.psql([
      "-At",
      "-F",
      "|",
      "-c",
      "SELECT id, email, card, ssn, iban, note, balance FROM people ORDER BY id",
    ]);
    expect(res.status, res.stderr).toBe(0);
    noClear(res.stdout);
    const [first] = res.stdout.trim().split("\n");
    const cols = (first as string).split("|");
    expect(cols[0]).toBe("1");
    expect(cols[1]).toMatch(/^h:[0-9a-f]{32}$/);
    expect(cols[2]).toMatch(/^\[REDACTED/);
    expect(cols[3]).toBe(""); // null strategy → NULL
    expect(cols[4]).toBe("[REDACTED:IBAN]");
    expect(cols[5]).toContain("[REDACTED:EMAIL]");
    expect(cols[5]).toContain("[REDACTED:CREDIT_CARD]");
    expect(cols[6]).toBe(""); // numeric column rule → NULL (type-valid)
  });

  it("an alias does not evade a column rule; an expression is masked by content", () => {
    const alias = gw.psql(["-At", "-c", "SELECT email AS x FROM people WHERE id = 1"]);
    expect(alias.stdout.trim()).toMatch(/^h:[0-9a-f]{32}$/);
    const lower = gw.psql(["-At", "-c", "SELECT lower(email) FROM people WHERE id = 1"]);
    expect(lower.stdout.trim()).toBe("[REDACTED:EMAIL]");
    const concat = gw.psql(["-At", "-c", "SELECT 'x ' || ssn FROM people WHERE id = 1"]);
    expect(concat.stdout.trim()).toBe("x [REDACTED:SSN]");
  });

  it("a view's columns are masked by the same rules", () => {
    const res = gw.psql(["-At", "-c", "SELECT email, note FROM people_v WHERE id = 2"]);
    noClear(res.stdout);
    expect(res.stdout).toMatch(/^h:[0-9a-f]{32}\|/);
    expect(res.stdout).toContain("[REDACTED:JWT]");
  });

  it("the same value hashes the same way in every session (joins and group-bys still work)", () => {
    const a = gw.psql(["-At", "-c", "SELECT email FROM people WHERE id = 1"]).stdout.trim();
    const b = gw.psql(["-At", "-c", "SELECT email FROM people_v WHERE id = 1"]).stdout.trim();
    expect(a).toBe(b);
  });

  it("\\copy out is masked by column rules (table) and by content (query)", () => {
    const table = gw.psql(["-c", "\\copy people TO STDOUT"]);
    expect(table.status, table.stderr).toBe(0);
    noClear(table.stdout);
    expect(table.stdout).toMatch(/h:[0-9a-f]{32}/);
    const query = gw.psql(["-c", "\\copy (SELECT email, note FROM people) TO STDOUT"]);
    expect(query.status, query.stderr).toBe(0);
    noClear(query.stdout);
    expect(query.stdout).toContain("[REDACTED:EMAIL]");
  });

  it("\\copy … csv (with a header and another delimiter) is split into fields and masked", () => {
    const csv = gw.psql([
      "-c",
      "\\copy people TO STDOUT WITH (FORMAT csv, HEADER true, DELIMITER ';')",
    ]);
    expect(csv.status, csv.stderr).toBe(0);
    noClear(csv.stdout);
    const [header, first] = csv.stdout.split("\n");
    expect(header).toBe("id;email;card;ssn;iban;note;balance");
    const fields = (first as string).split(";");
    expect(fields[0]).toBe("1");
    expect(fields[1]).toMatch(/^h:[0-9a-f]{32}$/);
    expect(fields[3]).toBe(""); // null strategy: an empty CSV field is NULL
    const query = gw.psql(["-c", "\\copy (SELECT id, note FROM people ORDER BY id) TO STDOUT CSV"]);
    expect(query.status, query.stderr).toBe(0);
    noClear(query.stdout);
    expect(query.stdout).toContain("[REDACTED:EMAIL]");
  });

  it("binary COPY with mask rules in force is refused, not sent unmasked", () => {
    const res = gw.psql(["-c", "COPY people TO STDOUT WITH (FORMAT binary)"]);
    expect(res.status).not.toBe(0);
    noClear(res.stdout);
  });
});

describe("pg (type parsing)", () => {
  it("text format: every row parses; numeric masked as NULL", async () => {
    const client = await gw.client();
    try {
      const { rows } = await client.query("SELECT * FROM people ORDER BY id");
      expect(rows).toHaveLength(2);
      noClear(JSON.stringify(rows));
      expect(rows[0].balance).toBeNull();
      expect(rows[0].id).toBe(1);
    } finally {
      await client.end();
    }
  });

  it("binary format results are masked too", async () => {
    const client = await gw.client();
    try {
      // `binary` asks for binary results (not in @types/pg's QueryConfig).
      const config: pg.QueryConfig & { binary: boolean } = {
        text: "SELECT id, email, iban, note FROM people WHERE id = $1",
        values: [1],
        binary: true,
      };
      const res = await client.query(config);
      const row = res.rows[0] as Record<string, unknown>;
      const text = JSON.stringify(res.rows, (_k, v) =>
        Buffer.isBuffer(v) ? v.toString("utf8") : v,
      );
      noClear(text);
      expect(row["id"]).toBe(1);
    } finally {
      await client.end();
    }
  });
});

describe("pg_dump", () => {
  it("a masked table dumps through Airlock and restores into a fresh database", () => {
    const dump = spawnSync(
      `${pgBin}/pg_dump`,
      [
        "-h",
        "127.0.0.1",
        "-p",
        String(gw.port),
        "-U",
        "admin",
        "-d",
        "demo",
        "-t",
        "people",
        "--no-owner",
        "--no-acl",
      ],
      {
        encoding: "utf8",
        env: { PATH: process.env["PATH"] ?? "", PGSSLMODE: "disable" },
        timeout: 60_000,
      },
    );
    expect(dump.status, dump.stderr).toBe(0);
    noClear(dump.stdout);
    const load = spawnSync("psql", [restored.url, "-X", "-v", "ON_ERROR_STOP=1", "-q"], {
      encoding: "utf8",
      input: dump.stdout,
      timeout: 60_000,
    });
    expect(load.status, load.stderr).toBe(0);
    const check = spawnSync(
      "psql",
      [restored.url, "-X", "-At", "-c", "SELECT count(*), count(DISTINCT email) FROM people"],
      {
        encoding: "utf8",
      },
    );
    expect(check.stdout.trim()).toBe("2|2");
  });
});

describe("the recording", () => {
  it("counts what was masked per command and keeps masked result rows for replay", async () => {
    const res = gw.psql(["-At", "-c", "SELECT email, note FROM people WHERE id = 1 /* counted */"]);
    expect(res.status).toBe(0);
    const [row] = await waitUntil("the completion recorded", async () => {
      const rows = await gw.store_(
        "SELECT mask_counts, result_sample FROM commands WHERE sql LIKE '%/* counted */' AND completed_at IS NOT NULL",
      );
      return rows.length > 0 ? rows : undefined;
    });
    expect(row.mask_counts).toMatchObject({ COLUMN: 1, EMAIL: 1, CREDIT_CARD: 1 });
    expect(row.result_sample.columns).toEqual(["email", "note"]);
    expect(row.result_sample.rows[0][0]).toMatch(/^h:/);
  });

  it("holds no clear value anywhere: stored commands, samples, events, and the API", async () => {
    const tables = ["commands", "session_events", "audit_events", "sessions", "reviews"];
    for (const table of tables) {
      const rows = await gw.store_(`SELECT t::text AS row FROM ${table} t`);
      noClear(rows.map((r) => r.row).join("\n"));
    }
    const sessions = await gw.cp.api().get("/api/v1/sessions?limit=100");
    for (const s of sessions.body.items) {
      const detail = await gw.cp.api().get(`/api/v1/sessions/${s.id}`);
      noClear(detail.text);
    }
  });

  it("`airlock sessions show` prints the counts and the masked rows", async () => {
    const [row] = await gw.store_<{ session_id: string }>(
      "SELECT session_id FROM commands WHERE sql LIKE '%/* counted */' LIMIT 1",
    );
    const shown = gw.cli.run(["sessions", "show", row!.session_id]);
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/masked: .*EMAIL 1/);
    expect(shown.stdout).toMatch(/> email \| note/);
    noClear(shown.stdout);
  });
});

describe("policy changes", () => {
  it("a mask rule added mid-session applies to the next command of that session", async () => {
    const client = await gw.client();
    try {
      const before = await client.query("SELECT 'x-' || id::text AS tag FROM people WHERE id = 1");
      expect(before.rows[0].tag).toBe("x-1");
      await gw.applyPolicy({
        ...MASKED_POLICY,
        mask: [...MASKED_POLICY.mask, { columns: ["people.id"], strategy: "null" }],
      });
      await waitUntil("the new mask rule in the live session", async () => {
        const { rows } = await client.query("SELECT id FROM people WHERE id = 1");
        return rows[0].id === null;
      });
    } finally {
      await client.end();
      await gw.applyPolicy(MASKED_POLICY);
    }
  });
});
