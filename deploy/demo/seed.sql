-- The demo target: a small customer database with the kind of data Airlock
-- exists to protect (names, emails, phone numbers, payment card numbers).
-- Applied by `npm run demo` to the database `airlock_demo`; safe to re-run.

CREATE TABLE IF NOT EXISTS customers (
  id          integer PRIMARY KEY,
  name        text        NOT NULL,
  email       text        NOT NULL UNIQUE,
  phone       text        NOT NULL,
  card_number text        NOT NULL,
  country     text        NOT NULL,
  created_at  timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS orders (
  id           integer PRIMARY KEY,
  customer_id  integer NOT NULL REFERENCES customers (id),
  amount_cents integer NOT NULL CHECK (amount_cents > 0),
  status       text    NOT NULL,
  placed_at    timestamptz NOT NULL
);

-- The README tour drops this index to show a DDL held for a DBA's approval; re-running
-- the seed puts it back.
CREATE INDEX IF NOT EXISTS orders_status_idx ON orders (status);

-- 200 customers, deterministic. Card numbers are well-known test numbers
-- (Luhn-valid, issued to no one).
INSERT INTO customers (id, name, email, phone, card_number, country, created_at)
SELECT
  i,
  (ARRAY['Ada','Grace','Alan','Edsger','Barbara','Donald','Frances','Ken','Radia','Linus'])[1 + i % 10]
    || ' ' ||
  (ARRAY['Lovelace','Hopper','Turing','Dijkstra','Liskov','Knuth','Allen','Thompson','Perlman','Torvalds'])[1 + (i / 10) % 10],
  'customer' || i || '@example.com',
  '+1 415 555 ' || lpad((1000 + i)::text, 4, '0'),
  (ARRAY['4111111111111111','5555555555554444','378282246310005','6011111111111117','4012888888881881'])[1 + i % 5],
  (ARRAY['US','GB','DE','FR','NL'])[1 + i % 5],
  timestamptz '2026-01-01 00:00:00+00' + (i || ' hours')::interval
FROM generate_series(1, 200) AS i
ON CONFLICT (id) DO NOTHING;

INSERT INTO orders (id, customer_id, amount_cents, status, placed_at)
SELECT
  i,
  1 + (i * 7) % 200,
  500 + (i * 137) % 20000,
  (ARRAY['placed','paid','shipped','refunded'])[1 + i % 4],
  timestamptz '2026-02-01 00:00:00+00' + (i || ' minutes')::interval
FROM generate_series(1, 1000) AS i
ON CONFLICT (id) DO NOTHING;
