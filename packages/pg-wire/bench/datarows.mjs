// Micro-benchmark, not a test: parse 1M DataRows delivered in 64 KiB chunks (as a socket
// would), eager and lazy, with node-postgres's pg-protocol parser for reference.
// Run after building: `npx tsc -b packages/pg-wire && node packages/pg-wire/bench/datarows.mjs`
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { BackendParser, encodeDataRow } = require("../dist/index.js");

const ROWS = 1_000_000;
const CHUNK = 64 * 1024;

const row = encodeDataRow(["12345", "hello world", null, "2024-01-01 00:00:00+00"]);
const stream = Buffer.alloc(row.length * ROWS);
for (let i = 0; i < ROWS; i++) row.copy(stream, i * row.length);
const chunks = [];
for (let off = 0; off < stream.length; off += CHUNK) chunks.push(stream.subarray(off, off + CHUNK));

function run(name, makeParser, parse) {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const parser = makeParser();
    let count = 0;
    const start = process.hrtime.bigint();
    for (const chunk of chunks) parse(parser, chunk, () => count++);
    const ns = Number(process.hrtime.bigint() - start);
    if (count !== ROWS) throw new Error(`${name}: parsed ${count} rows`);
    best = Math.min(best, ns);
  }
  const mbps = (stream.length / (best / 1e9) / 1e6).toFixed(0);
  console.log(`${name.padEnd(28)} ${(best / ROWS).toFixed(1).padStart(6)} ns/row  ${mbps} MB/s`);
}

console.log(`${ROWS} DataRows of ${row.length} bytes (4 columns), ${chunks.length} chunks`);
run(
  "pg-wire eager",
  () => new BackendParser(),
  (p, c, cb) => p.parse(c, cb),
);
run(
  "pg-wire lazyDataRows",
  () => new BackendParser({ lazyDataRows: true }),
  (p, c, cb) => p.parse(c, cb),
);
try {
  const pgPath = require.resolve("pg");
  const { Parser } = createRequire(pgPath)("pg-protocol/dist/parser");
  run(
    "pg-protocol (reference)",
    () => new Parser(),
    (p, c, cb) => p.parse(c, cb),
  );
} catch (err) {
  console.log(`pg-protocol not available for reference: ${err.message}`);
}
