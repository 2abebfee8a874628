// The `pii` table of bench/masking.mjs: `rows` rows of mixed PII in five text columns plus
// an id, generated in SQL (generate_series, md5 of the row number: deterministic, no
// random()). Per row:
//   email  name.surname+<id>@example.com / .org / mail.example.net (always PII)
//   phone  six formats in turn: +1 202 555 0123, +14155550123, (212) 555-0123,
//          212-555-0123, +44 20 7946 0123, 06 12 34 56 78 (always PII)
//   card   Luhn-valid Visa / Mastercard / Discover / Amex numbers, plain, spaced or dashed
//          (always PII)
//   note   half clean prose; the other half embeds an email, an IBAN (valid mod-97, spaced
//          or compact), a JWT, or an email and a phone
//   token  half clean words; a quarter UUIDs; a quarter key-looking strings (sk_live_…,
//          ghp_…, xoxb-…, AKIA…)
// Plus `pii_warm`, the first 100,000 rows (or all), for the warm-up reads.
import { withClient } from "./postgres.mjs";

export const WARM_ROWS = 100_000;

const LUHN = `
CREATE OR REPLACE FUNCTION pg_temp.luhn(digits text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE s int := 0; d int; n int := length(digits);
BEGIN
  FOR i IN 1..n LOOP
    d := ascii(substr(digits, i, 1)) - 48;
    IF (n - i) % 2 = 0 THEN d := d * 2; IF d > 9 THEN d := d - 9; END IF; END IF;
    s := s + d;
  END LOOP;
  RETURN digits || ((10 - s % 10) % 10)::text;
END $$`;

const createSql = (rows) => `
CREATE UNLOGGED TABLE pii AS
WITH base AS (
  SELECT g,
    (ARRAY['alice','bob','carol','dave','eve','frank','grace','heidi','ivan','judy','mallory','niaj',
           'olivia','peggy','rupert','sybil','trent','victor','walter','zoe'])[1 + g % 20] AS first,
    (ARRAY['johnson','smith','nguyen','garcia','muller','obrien','kowalski','chen','patel','rossi',
           'dubois','silva','tanaka','kim','novak','jensen','murphy','lopez','weber','ivanova'])[1 + (g / 20) % 20] AS last,
    md5(g::text) AS h1,
    md5('x' || g) AS h2
  FROM generate_series(1, ${rows}) g
), digits AS (
  SELECT *,
    lpad((('x' || substr(h1, 1, 15))::bit(60)::bigint % 1000000000000000000)::text, 18, '0') AS d18
  FROM base
), parts AS (
  SELECT *,
    pg_temp.luhn(CASE g % 4
      WHEN 0 THEN '4' || substr(d18, 1, 14)
      WHEN 1 THEN '5' || (1 + g % 5) || substr(d18, 2, 13)
      WHEN 2 THEN '6011' || substr(d18, 3, 11)
      ELSE '37' || substr(d18, 4, 12) END) AS cardnum,
    'DE' || lpad((98 - ((d18 || '131400')::numeric % 97))::text, 2, '0') || d18 AS iban,
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.'
      || rtrim(translate(replace(encode(convert_to(
           '{"sub":"user-' || g || '","iat":' || (1700000000 + g) || '}', 'UTF8'), 'base64'),
           E'\\n', ''), '+/', '-_'), '=')
      || '.' || rtrim(translate(encode(decode(h1 || h2, 'hex'), 'base64'), '+/', '-_'), '=') AS jwt,
    CASE (g / 4) % 3 WHEN 1 THEN ' ' ELSE '-' END AS sep
  FROM digits
)
SELECT g::bigint AS id,
  first || '.' || last || '+' || g || '@'
    || (ARRAY['example.com','example.org','mail.example.net'])[1 + g % 3] AS email,
  CASE g % 6
    WHEN 0 THEN '+1 202 555 0' || lpad((g % 1000)::text, 3, '0')
    WHEN 1 THEN '+1415555' || lpad((g % 10000)::text, 4, '0')
    WHEN 2 THEN '(' || (201 + g % 700) || ') 555-' || lpad((g % 10000)::text, 4, '0')
    WHEN 3 THEN (201 + g % 700) || '-555-' || lpad((g % 10000)::text, 4, '0')
    WHEN 4 THEN '+44 20 7946 ' || lpad((g % 10000)::text, 4, '0')
    ELSE '06 ' || lpad((g % 100)::text, 2, '0') || ' 34 56 ' || lpad(((g / 100) % 100)::text, 2, '0')
  END AS phone,
  CASE
    WHEN (g / 4) % 3 = 0 THEN cardnum
    WHEN g % 4 = 3 THEN substr(cardnum, 1, 4) || sep || substr(cardnum, 5, 6) || sep || substr(cardnum, 11, 5)
    ELSE substr(cardnum, 1, 4) || sep || substr(cardnum, 5, 4) || sep || substr(cardnum, 9, 4)
      || sep || substr(cardnum, 13, 4)
  END AS card,
  CASE g % 10
    WHEN 0 THEN 'Order ' || (100000 + g) || ' shipped via ground, ETA 3-5 days'
    WHEN 1 THEN 'Customer prefers contact in the morning; loyal since ' || (2000 + g % 24)
    WHEN 2 THEN 'Ticket #' || (g % 100000) || ' closed by support after a callback'
    WHEN 3 THEN 'No issues reported during the quarterly review'
    WHEN 4 THEN 'Asked about the ' || (ARRAY['premium','basic','family','student'])[1 + g % 4]
      || ' plan and the renewal date'
    WHEN 5 THEN 'Please send the invoice to billing.' || last || g || '@corp.example.com by Friday'
    WHEN 6 THEN 'Refund to IBAN ' || regexp_replace(iban, '(.{4})(?=.)', '\\1 ', 'g') || ' approved'
    WHEN 7 THEN 'Session token ' || jwt || ' expired at login'
    WHEN 8 THEN 'Wire to ' || iban || ', reference ' || g
    ELSE 'Reach ' || initcap(first) || ' at ' || first || '.' || g || '@example.org or on +1 202 555 0'
      || lpad((g % 1000)::text, 3, '0')
  END AS note,
  CASE g % 8
    WHEN 4 THEN h1::uuid::text
    WHEN 5 THEN h2::uuid::text
    WHEN 6 THEN 'sk_live_' || substr(h2, 1, 24)
    WHEN 7 THEN CASE (g / 8) % 3
      WHEN 0 THEN 'ghp_' || substr(h1 || h2, 1, 36)
      WHEN 1 THEN 'xoxb-' || (g % 1000000000) || '-' || substr(h2, 1, 24)
      ELSE 'AKIA' || upper(substr(h1, 1, 16)) END
    ELSE (ARRAY['pending','approved','archived','blue','north-east','tier-2','weekly','draft',
                'on-hold','escalated'])[1 + (g / 8) % 10]
  END AS token
FROM parts`;

/**
 * Creates `pii` (and `pii_warm`) in `database`, freezes and analyzes them (so no measured
 * read sets hint bits), and returns the table's size and a few sample rows.
 */
export async function createPiiTable(database, rows) {
  return withClient(database, async (c) => {
    await c.query(LUHN);
    await c.query("DROP TABLE IF EXISTS pii, pii_warm");
    await c.query(createSql(rows));
    await c.query(
      `CREATE UNLOGGED TABLE pii_warm AS SELECT * FROM pii ORDER BY id LIMIT ${WARM_ROWS}`,
    );
    await c.query("VACUUM (FREEZE, ANALYZE) pii");
    await c.query("VACUUM (FREEZE, ANALYZE) pii_warm");
    const size = await c.query(
      "SELECT pg_table_size('pii') AS bytes, (SELECT count(*) FROM pii) AS rows, " +
        "(SELECT sum(pg_column_size(p.*)) FROM pii p) AS tuple_bytes",
    );
    const sample = await c.query("SELECT * FROM pii ORDER BY id LIMIT 10");
    return {
      rows: Number(size.rows[0].rows),
      tableBytes: Number(size.rows[0].bytes),
      tupleBytes: Number(size.rows[0].tuple_bytes),
      sample: sample.rows,
    };
  });
}
