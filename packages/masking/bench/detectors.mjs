// Micro-benchmark, not a test: masking throughput on 1M DataRows of 5 text columns.
// Run after building: `npx tsc -b packages/masking packages/pg-wire && node packages/masking/bench/detectors.mjs`
//
//   forward (unmasked)   what the connector does without mask rules: parse DataRows
//                        lazily and forward their bytes
//   forward + mask       parse values, Masker plan → maskRow, re-encode changed rows
//   maskRow alone        the plan on already-parsed values
//   maskCopyData (text)  the same rows as COPY text lines, with a COPY hint
//   findMatches alone    the 13 detectors on the 5 values as strings
// Each on two data sets: "mixed PII" (every row has an email and a phone, one in five
// notes holds a card, SSN, IP or key) and "clean" (same shapes, no PII).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Masker, findMatches, DETECTORS } = require("../dist/index.js");
const { BackendParser, encodeDataRow } = require("../../pg-wire/dist/index.js");

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const CHUNK = 64 * 1024;
const ROUNDS = 3;

const FIRST = ["Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace", "Heidi", "Ivan", "Judy"];
const LAST = ["Johnson", "Smith", "Nguyen", "García", "Müller", "O'Brien", "Kowalski", "Chen"];
const STREETS = ["Main Street", "Elm Avenue", "Oak Road", "Harbour Lane", "Rue de la Paix"];
const PII_NOTES = [
  (i) =>
    `paid with card 4111 1111 1111 ${String(1000 + (i % 9000)).padStart(4, "0")}`.replace(
      /\d{4}$/,
      "1111",
    ),
  (i) => `ssn on file ${100 + (i % 500)}-45-6789`,
  (i) => `login from 192.168.${i % 256}.${(i * 7) % 256}`,
  () => "api key sk_live_4eC39HqLyjWDarjtT1zdp7dc rotated",
  (i) => `forwarded to ops${i % 100}@example.org`,
];
const CLEAN_NOTES = [
  (i) => `Customer requested a refund for order ${100000 + i}`,
  () => "Prefers contact in the morning; VIP since 2019",
  (i) => `Shipped ${1 + (i % 9)} items via ground, ETA 3-5 days`,
  () => "No issues reported",
  (i) => `Ticket #${i % 100000} closed by support`,
];

function makeRow(i, pii) {
  const first = FIRST[i % FIRST.length];
  const last = LAST[(i >> 3) % LAST.length];
  const name = `${first} ${last}`;
  const address = `${1 + (i % 9999)} ${STREETS[i % STREETS.length]}, Springfield, IL 62704`;
  if (!pii) {
    return [
      name,
      `${first.toLowerCase()}.${(i % 97) + 1}`,
      `ext ${i % 1000}`,
      CLEAN_NOTES[i % 5](i),
      address,
    ];
  }
  const email = `${first.toLowerCase()}.${last.length}${i % 1000}@example.com`;
  const phone = `+1 (555) ${String(100 + (i % 900))}-${String(1000 + (i % 9000))}`;
  const note = i % 5 === 0 ? PII_NOTES[((i / 5) % PII_NOTES.length) | 0](i) : CLEAN_NOTES[i % 5](i);
  return [name, email, phone, note, address];
}

const columns = ["name", "email", "phone", "notes", "address"].map((c) => ({
  name: c,
  source: `public.customers.${c}`,
  typeOid: 25,
  format: 0,
}));
const masker = new Masker([{ detect: [...DETECTORS], strategy: "redact" }], Buffer.alloc(32, 1));

function dataSet(pii) {
  const distinct = 10_000;
  const rows = Array.from({ length: distinct }, (_, i) => makeRow(i, pii));
  const encoded = rows.map((r) => encodeDataRow(r));
  let size = 0;
  for (let i = 0; i < ROWS; i++) size += encoded[i % distinct].length;
  const stream = Buffer.allocUnsafe(size);
  let off = 0;
  for (let i = 0; i < ROWS; i++) off += encoded[i % distinct].copy(stream, off);
  const chunks = [];
  for (let o = 0; o < stream.length; o += CHUNK) chunks.push(stream.subarray(o, o + CHUNK));
  const values = rows.map((r) => r.map((v) => Buffer.from(v)));
  const copyLines = rows.map((r) => Buffer.from(`${r.join("\t")}\n`));
  return { rows, values, copyLines, chunks, bytes: size };
}

function time(fn) {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start));
  }
  return best;
}

function report(label, ns, extra = "") {
  const perRow = ns / ROWS;
  const rps = (1e9 / perRow / 1e6).toFixed(2);
  console.log(
    `  ${label.padEnd(22)} ${perRow.toFixed(0).padStart(6)} ns/row  ${rps.padStart(6)} M rows/s${extra}`,
  );
  return ns;
}

for (const pii of [true, false]) {
  const set = dataSet(pii);
  console.log(
    `\n${pii ? "mixed PII" : "clean"}: ${ROWS} rows × 5 text columns, ${(set.bytes / 1e6).toFixed(0)} MB`,
  );
  let changed = 0;
  let outBytes = 0;
  const counts = {};
  const forward = time(() => {
    const parser = new BackendParser({ lazyDataRows: true });
    let n = 0;
    for (const c of set.chunks) parser.parse(c, (m) => (n += m.raw.length));
  });
  report("forward (unmasked)", forward);
  const masked = time(() => {
    const parser = new BackendParser();
    const plan = masker.plan(columns);
    changed = 0;
    let n = 0;
    for (const c of set.chunks) {
      parser.parse(c, (m) => {
        const out = plan.maskRow(m.values, counts);
        if (out === undefined) n += m.raw.length;
        else {
          changed++;
          n += encodeDataRow(out).length;
        }
      });
    }
    outBytes = n;
  });
  report(
    "forward + mask",
    masked,
    `  ratio ${(forward / masked).toFixed(2)}× unmasked, ${((changed / ROWS) * 100).toFixed(0)}% rows changed, ${(outBytes / 1e6).toFixed(0)} MB out`,
  );
  const plan = masker.plan(columns);
  report(
    "maskRow alone",
    time(() => {
      for (let i = 0; i < ROWS; i++) plan.maskRow(set.values[i % set.values.length], counts);
    }),
  );
  const copyPlan = masker.planCopy(columns, 5, { format: "text" });
  report(
    "maskCopyData (text)",
    time(() => {
      for (let i = 0; i < ROWS; i++)
        copyPlan.maskCopyData(set.copyLines[i % set.copyLines.length], counts);
    }),
  );
  const detectors = [...DETECTORS];
  report(
    "findMatches alone",
    time(() => {
      for (let i = 0; i < ROWS; i++) {
        const r = set.rows[i % set.rows.length];
        for (let c = 0; c < 5; c++) findMatches(r[c], detectors, { columnName: columns[c].name });
      }
    }),
  );
}
