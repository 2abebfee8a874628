#!/usr/bin/env node
// What the gateway's decision cache saves on pgbench's statements: policy-core's evaluate()
// alone vs through DecisionCache (what apps/control-plane/src/gateway/decision.ts does:
// normalise + lookup), demo policy, random literals. After `pnpm build`:
//
//   node bench/gateway-decisions.mjs [--decisions 20000] [--passes 2]
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const repoRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const pc = require(path.join(repoRoot, "packages/policy-core/dist/index.js"));
const { parse } = require(
  require.resolve("yaml", { paths: [path.join(repoRoot, "apps/control-plane")] }),
);

const { values } = parseArgs({
  options: {
    decisions: { type: "string", default: "20000" },
    passes: { type: "string", default: "2" },
  },
});
const DECISIONS = Number(values.decisions);
const PASSES = Number(values.passes);

await pc.loadSqlParser();
const validated = pc.validatePolicy(
  parse(readFileSync(path.join(repoRoot, "deploy/demo/policy.yaml"), "utf8")),
);
if (!validated.ok) throw new Error(JSON.stringify(validated.errors));
const policies = [validated.policy];
const version = pc.policySetVersion(policies);
const subject = { user: "admin", groups: [], kind: "human" };
const connection = { name: "bench", tags: { env: "demo" } };
const searchPath = ["$user", "public"];

const n = () => 1 + Math.floor(Math.random() * 1_000_000);
// pgbench -S and -N (simple-update), as pgbench sends them.
const statements = [
  () => `SELECT abalance FROM pgbench_accounts WHERE aid = ${n()};`,
  () => "BEGIN;",
  () => `UPDATE pgbench_accounts SET abalance = abalance + ${n() % 5000} WHERE aid = ${n()};`,
  () =>
    `INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (${n() % 10}, 1, ${n()}, ${n() % 5000}, CURRENT_TIMESTAMP);`,
  () => "END;",
];

function measure(label, decide) {
  const times = [];
  for (let i = 0; i < DECISIONS; i++) {
    const sql = statements[i % statements.length]();
    const start = process.hrtime.bigint();
    const decision = decide({ subject, connection, sql, searchPath });
    times.push(Number(process.hrtime.bigint() - start) / 1000);
    if (decision.action !== "allow") throw new Error(`${sql}: ${decision.reasons.join("; ")}`);
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.floor(p * (times.length - 1))].toFixed(1);
  console.log(`${label.padEnd(36)} p50 ${q(0.5).padStart(6)} µs  p99 ${q(0.99).padStart(6)} µs`);
}

const cache = new pc.DecisionCache(10_000);
console.log(
  `${DECISIONS} decisions per pass, pgbench statements, demo policy, Node ${process.version}`,
);
for (let pass = 1; pass <= PASSES; pass++) {
  measure(`pass ${pass}: evaluate (no cache)`, (r) => pc.evaluate(policies, r, new Date()));
  measure(`pass ${pass}: through DecisionCache`, (r) =>
    cache.evaluate(policies, version, r, new Date()),
  );
}
console.log("cache:", JSON.stringify(cache.stats));
