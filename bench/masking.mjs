#!/usr/bin/env node
// `pnpm bench:masking`: what masking results costs on Airlock's Postgres path. Reads a whole
// table of mixed PII (`pii`, 1M rows by default) through Airlock without mask rules, with
// mask rules, and with mask rules but without the control plane's verification pass, and
// directly as the reference; each as DataRows (`SELECT *`) and as a table COPY; three times
// each, interleaved, median kept; peak RSS and CPU time of every gateway process per read.
// Then the masking package's detector micro-benchmark. See bench/README.md, "Masking".
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  checkInterrupted,
  installSignalHandlers,
  onCleanup,
  runCleanup,
  wasInterrupted,
} from "./lib/cleanup.mjs";
import { missingBuild, permissivePolicy, startAirlock } from "./lib/paths/airlock.mjs";
import { createPiiTable, WARM_ROWS } from "./lib/pii-table.mjs";
import {
  dropDatabase,
  libpqEnv,
  pgBin,
  pgHost,
  pgPort,
  pgUser,
  recreateDatabase,
  serverVersion,
  withClient,
} from "./lib/postgres.mjs";
import { writeResultFiles } from "./lib/results-files.mjs";
import { memoryOf, resetPeak, runCommand, sleep } from "./lib/procs.mjs";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.dirname(benchDir);
const say = (line) => process.stdout.write(`[bench:masking] ${line}\n`);
const MB = 2 ** 20;

const DB = "airlock_bench_masking";
const STORES = {
  main: "airlock_bench_masking_store",
  noverify: "airlock_bench_masking_store_noverify",
  profile: "airlock_bench_masking_store_profile",
};
const POLICY_NAME = "bench-allow-all"; // the name permissivePolicy() has
/** The mask rules under test (docs/design/0007-masking.md). */
export const MASK_RULES = [
  { columns: ["*.email"], strategy: "partial" },
  { columns: ["pii.card"], strategy: "redact" },
  { detect: ["email", "phone", "credit_card", "iban", "jwt", "api_key"], strategy: "redact" },
];
const TARGETS = { ratio: 0.5, peakRssMb: 300 };
const READ_TIMEOUT_MS = 900_000;

const HELP = `Usage: node bench/masking.mjs [options]   (or: pnpm bench:masking -- [options])

Creates a table of mixed PII (id + email, phone, card, note, token) in ${DB}, starts
Airlock (control plane + connector + airlock connect) and reads the whole table:
directly, through Airlock without mask rules, with mask rules, and with mask rules but
AIRLOCK_MASK_VERIFY=false (a second Airlock); each as DataRows (SELECT *) and as COPY
(\\copy pii to '/dev/null'), --reps times interleaved, median kept. Then
packages/masking/bench/detectors.mjs. Writes bench/results/<date>-masking.md and .json.

Options:
  --quick             100,000 rows (and 100,000 in the detector bench); default 1,000,000
  --rows <n>          rows of the table (overrides --quick)
  --reps <n>          repetitions of every read, median kept (default 3)
  --skip-noverify     do not start the second Airlock (AIRLOCK_MASK_VERIFY=false)
  --skip-profile      no CPU profile of the connector (default: one more Airlock with the
                      connector under node --cpu-prof, one masked read of each kind)
  --skip-detectors    do not run the detector micro-benchmark
  --no-write          print the report only
  --keep-logs         keep the gateways' logs (path printed at the end)
  -h, --help          this text

Build first (pnpm build): the bench runs the built dist/.
`;

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== "--"),
    options: {
      quick: { type: "boolean", default: false },
      rows: { type: "string" },
      reps: { type: "string", default: "3" },
      "skip-noverify": { type: "boolean", default: false },
      "skip-profile": { type: "boolean", default: false },
      "skip-detectors": { type: "boolean", default: false },
      "no-write": { type: "boolean", default: false },
      "keep-logs": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) return { help: HELP };
  const int = (v, flag) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a positive integer`);
    return n;
  };
  const rows = values.rows ? int(values.rows, "--rows") : values.quick ? 100_000 : 1_000_000;
  return {
    quick: values.quick,
    rows,
    reps: int(values.reps, "--reps"),
    noverify: !values["skip-noverify"],
    profile: !values["skip-profile"],
    detectors: !values["skip-detectors"],
    write: !values["no-write"],
    keepLogs: values["keep-logs"],
  };
}

// ---------------------------------------------------------------------------------------
// Processes: CPU time and peak RSS

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" })) || 100;
} catch {
  // Linux default
}

/** User + system CPU seconds of a live process (/proc/<pid>/stat), undefined when gone. */
function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------
// Reads

const SELECT_SQL = "SELECT * FROM pii";
const COPY_META = "\\copy pii to '/dev/null'";

/** DataRows: one streaming `SELECT *` by bench/lib/read-rows.mjs (see its header). */
async function readDataRows(host, port, table = "pii") {
  const url = `postgresql://${encodeURIComponent(pgUser)}@${host}:${port}/${DB}?sslmode=disable`;
  const sql = table === "pii" ? SELECT_SQL : `SELECT * FROM ${table}`;
  const run = await runCommand(
    process.execPath,
    [path.join(benchDir, "lib/read-rows.mjs"), url, sql, "1"],
    { env: { ...libpqEnv(), NODE_OPTIONS: "" }, timeoutMs: READ_TIMEOUT_MS },
  );
  if (run.code !== 0 || run.timedOut) {
    return {
      ok: false,
      error: run.timedOut ? "timed out" : run.stderr.trim() || `exit ${run.code}`,
    };
  }
  const out = JSON.parse(run.stdout.trim().split("\n").pop());
  return {
    ok: true,
    seconds: out.ms / 1000,
    rows: out.rows,
    starred: out.starred,
    clientCpuSeconds: out.cpuMs / 1000,
  };
}

/** COPY: psql's `\copy pii to '/dev/null'` (sends `COPY pii TO STDOUT`); wall time of psql. */
async function readCopy(host, port, table = "pii") {
  const meta = table === "pii" ? COPY_META : `\\copy ${table} to '/dev/null'`;
  const run = await runCommand(
    pgBin("psql"),
    [
      "-h",
      host,
      "-p",
      String(port),
      "-U",
      pgUser,
      "-d",
      DB,
      "-X",
      "-q",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      meta,
    ],
    { env: libpqEnv(), timeoutMs: READ_TIMEOUT_MS },
  );
  if (run.code !== 0 || run.timedOut) {
    return {
      ok: false,
      error: run.timedOut ? "timed out" : run.stderr.trim() || `exit ${run.code}`,
    };
  }
  return { ok: true, seconds: run.ms / 1000 };
}

const METHODS = {
  datarows: { label: "DataRows (SELECT *)", read: readDataRows },
  copy: { label: "COPY (\\copy pii to /dev/null)", read: readCopy },
};

// ---------------------------------------------------------------------------------------
// Airlock: policies and what the store recorded

const plainPolicy = () => ({ document: permissivePolicy() });
const maskedPolicy = () => ({ document: { ...permissivePolicy(), mask: MASK_RULES } });

/** `SELECT email FROM pii WHERE id = 1` through the gateway, in a new session. */
async function firstEmail(gateway) {
  const run = await runCommand(
    pgBin("psql"),
    [
      "-h",
      gateway.host,
      "-p",
      String(gateway.port),
      "-U",
      pgUser,
      "-d",
      DB,
      "-X",
      "-Atc",
      "SELECT email FROM pii WHERE id = 1",
    ],
    { env: libpqEnv(), timeoutMs: 30_000 },
  );
  if (run.code !== 0) throw new Error(`psql through ${gateway.name}: ${run.stderr.trim()}`);
  return run.stdout.trim();
}

/**
 * PUT the policy with or without mask rules, then wait until a new session sees it
 * (sessions read their mask rules when they start): the email of row 1 comes back as
 * `***@…` with the rules, in clear without.
 */
async function setMasking(gateway, masked) {
  if (gateway.masked === masked) return;
  const res = await gateway.api(
    "PUT",
    `/policies/${POLICY_NAME}`,
    masked ? maskedPolicy() : plainPolicy(),
  );
  if (res.status !== 200) {
    throw new Error(
      `PUT /api/v1/policies/${POLICY_NAME} → ${res.status}: ${res.text.slice(0, 300)}`,
    );
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    const email = await firstEmail(gateway);
    if (email.startsWith("*") === masked) break;
    if (Date.now() > deadline) {
      throw new Error(
        `${gateway.name}: the policy change did not take effect in 30 s (email ${email})`,
      );
    }
    await sleep(200);
  }
  gateway.masked = masked;
}

/** The store's record of the last read of `pii` of this kind (waits for its completion). */
async function lastCommand(storeDb, method) {
  const where =
    method === "copy" ? "sql ~* '^\\s*copy\\s+pii\\s+to\\s+stdout'" : `sql = '${SELECT_SQL}'`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const row = await withClient(storeDb, async (c) => {
      const { rows } = await c.query(
        `SELECT status, row_count, copy_bytes, duration_ms, mask_counts FROM commands
          WHERE ${where} ORDER BY id DESC LIMIT 1`,
      );
      return rows[0];
    });
    if (row && row.status !== "pending") {
      return {
        status: row.status,
        rowCount: row.row_count === null ? undefined : Number(row.row_count),
        copyBytes: row.copy_bytes === null ? undefined : Number(row.copy_bytes),
        durationMs: row.duration_ms ?? undefined,
        maskCounts: row.mask_counts ?? undefined,
      };
    }
    if (Date.now() > deadline) return row ? { status: row.status } : undefined;
    await sleep(200);
  }
}

async function violations(storeDb) {
  return withClient(storeDb, async (c) => {
    const { rows } = await c.query(
      "SELECT count(*)::int AS n FROM audit_events WHERE code = 'connector.masking_violation'",
    );
    return rows[0].n;
  });
}

// ---------------------------------------------------------------------------------------
// One measured read

/**
 * Reads the table once through `variant` by `method`: peaks reset just before, then peak RSS
 * and CPU seconds of each gateway process, and checks that the result is complete and
 * masked (or not) as the variant says.
 */
async function measure(variant, method, rows) {
  const { gateway } = variant;
  const procs = gateway?.processes ?? [];
  if (gateway) await setMasking(gateway, variant.masked);
  const reset = procs.map((p) => resetPeak(p.pid));
  const before = procs.map((p) => memoryOf(p.pid)?.current);
  const cpu0 = procs.map((p) => cpuSecondsOf(p.pid));
  const r = await METHODS[method].read(variant.host, variant.port);
  const processes = procs.map((p, i) => ({
    role: p.role,
    peakBytes: reset[i] ? memoryOf(p.pid)?.peak : undefined,
    beforeBytes: before[i],
    cpuSeconds: (cpuSecondsOf(p.pid) ?? NaN) - (cpu0[i] ?? NaN),
  }));
  const result = { variant: variant.name, method, ...r, processes };
  if (!r.ok) return result;
  result.rowsPerSecond = rows / r.seconds;
  const problems = [];
  if (method === "datarows") {
    if (r.rows !== rows) problems.push(`${r.rows} rows instead of ${rows}`);
    const want = variant.masked ? rows : 0;
    if (r.starred !== want) problems.push(`${r.starred} emails masked, expected ${want}`);
  }
  if (gateway) {
    const cmd = await lastCommand(gateway.storeDb, method);
    result.recorded = cmd;
    if (!cmd || cmd.status !== "ok") problems.push(`recorded command: ${JSON.stringify(cmd)}`);
    else {
      if (method === "datarows" && cmd.rowCount !== rows) {
        problems.push(`recorded ${cmd.rowCount} rows`);
      }
      const columnMasks = cmd.maskCounts?.COLUMN ?? 0;
      if (variant.masked && columnMasks !== 2 * rows) {
        problems.push(`${columnMasks} column-rule masks recorded, expected ${2 * rows}`);
      }
      if (!variant.masked && cmd.maskCounts && Object.keys(cmd.maskCounts).length > 0) {
        problems.push(`masked without mask rules: ${JSON.stringify(cmd.maskCounts)}`);
      }
    }
  }
  if (problems.length > 0) {
    result.ok = false;
    result.error = problems.join("; ");
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// Detector micro-benchmark and profile

/** Runs packages/masking/bench/detectors.mjs and parses its lines. */
async function detectorBench(rows) {
  const script = path.join(repoRoot, "packages/masking/bench/detectors.mjs");
  const run = await runCommand(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? "", ROWS: String(rows) },
    timeoutMs: 1_200_000,
  });
  if (run.code !== 0) return { ok: false, error: run.stderr.trim() || `exit ${run.code}`, rows };
  const sets = [];
  let current;
  for (const line of run.stdout.split("\n")) {
    const head = /^(mixed PII|clean): (\d+) rows .*?, (\d+) MB/.exec(line);
    if (head) {
      current = { set: head[1], rows: Number(head[2]), megabytes: Number(head[3]), lines: [] };
      sets.push(current);
      continue;
    }
    const m = /^\s+(.+?)\s{2,}(\d+) ns\/row\s+([\d.]+) M rows\/s(.*)$/.exec(line);
    if (m && current) {
      current.lines.push({
        label: m[1].trim(),
        nsPerRow: Number(m[2]),
        rowsPerSecond: Number(m[3]) * 1e6,
        extra: m[4].trim() || undefined,
      });
    }
  }
  return { ok: true, rows, sets, stdout: run.stdout };
}

function newestProfile(dir, match) {
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile") && f.includes(match))
    .map((f) => path.join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/**
 * A third Airlock with the connector under node --cpu-prof: one masked read of each kind,
 * then stopped (the profile is written at exit) and summarised by bench/top-functions.mjs.
 */
async function profileConnector(options) {
  const profileDir = path.join(benchDir, "profiles");
  const name = "airlock-masking-profile";
  await recreateDatabase(STORES.profile);
  onCleanup(`drop ${STORES.profile}`, () => dropDatabase(STORES.profile));
  const gateway = await startAirlock({
    tmpDir: options.tmpDir,
    logDir: options.logDir,
    profile: ["connector"],
    profileDir,
    say: (line) => say(`  ${line}`),
    name,
    storeDb: STORES.profile,
    database: DB,
  });
  gateway.storeDb = STORES.profile;
  const runs = [];
  try {
    await setMasking(gateway, true);
    const connector = gateway.processes.find((p) => p.role === "connector");
    for (const method of Object.keys(METHODS)) {
      const cpu0 = cpuSecondsOf(connector.pid);
      const r = await METHODS[method].read(gateway.host, gateway.port);
      runs.push({
        method,
        ok: r.ok,
        seconds: r.seconds,
        connectorCpuSeconds: cpuSecondsOf(connector.pid) - cpu0,
        error: r.error,
      });
      say(`  profiled masked ${method}: ${r.ok ? `${r.seconds.toFixed(2)} s` : r.error}`);
    }
  } finally {
    await gateway.stop();
  }
  const file = newestProfile(profileDir, `${name}-connector`);
  if (!file) return { runs, error: "no .cpuprofile was written" };
  const top = await runCommand(
    process.execPath,
    [path.join(benchDir, "top-functions.mjs"), file, "--top", "20"],
    { env: { PATH: process.env.PATH ?? "" }, timeoutMs: 120_000 },
  );
  return { runs, file: path.relative(repoRoot, file), summary: top.stdout.trim() };
}

// ---------------------------------------------------------------------------------------
// Report

const fmt = (n, d = 2) => (n === undefined || Number.isNaN(n) ? "–" : n.toFixed(d));
const int = (n) =>
  n === undefined || Number.isNaN(n) ? "–" : Math.round(n).toLocaleString("en-US");
const mb = (bytes) => (bytes === undefined ? "–" : `${Math.round(bytes / MB)}`);

function medianOf(values) {
  const v = values.filter((x) => x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  return v.length === 0 ? undefined : v[Math.floor((v.length - 1) / 2)];
}

/** The largest value; undefined when any is missing (a peak that could not be reset). */
function maxOf(values) {
  return values.length === 0 || values.some((v) => v === undefined)
    ? undefined
    : Math.max(...values);
}

/** Per variant × method: the median-time run, and the max peak RSS over all runs. */
function summarise(results) {
  const rows = [];
  for (const method of Object.keys(METHODS)) {
    for (const variant of results.variants) {
      const runs = results.runs.filter((r) => r.method === method && r.variant === variant.name);
      const ok = runs.filter((r) => r.ok);
      const seconds = medianOf(ok.map((r) => r.seconds));
      const roles = runs[0]?.processes.map((p) => p.role) ?? [];
      rows.push({
        method,
        variant: variant.name,
        label: variant.label,
        runs: runs.length,
        failed: runs.length - ok.length,
        errors: runs.filter((r) => !r.ok).map((r) => r.error),
        seconds,
        allSeconds: ok.map((r) => r.seconds),
        rowsPerSecond: seconds ? results.table.rows / seconds : undefined,
        clientCpuSeconds: medianOf(ok.map((r) => r.clientCpuSeconds)),
        processes: roles.map((role) => ({
          role,
          peakBytes: maxOf(runs.map((r) => r.processes.find((p) => p.role === role)?.peakBytes)),
          beforeBytes: medianOf(
            runs.map((r) => r.processes.find((p) => p.role === role)?.beforeBytes),
          ),
          cpuSeconds: medianOf(ok.map((r) => r.processes.find((p) => p.role === role)?.cpuSeconds)),
        })),
        maskCounts: ok.find((r) => r.recorded?.maskCounts)?.recorded.maskCounts,
      });
    }
  }
  const of = (method, variant) => rows.find((r) => r.method === method && r.variant === variant);
  for (const r of rows) {
    const plain = of(r.method, "airlock");
    const direct = of(r.method, "direct");
    r.vsUnmasked =
      plain?.rowsPerSecond && r.rowsPerSecond ? r.rowsPerSecond / plain.rowsPerSecond : undefined;
    r.vsDirect =
      direct?.rowsPerSecond && r.rowsPerSecond ? r.rowsPerSecond / direct.rowsPerSecond : undefined;
  }
  return rows;
}

function evaluateTargets(summary) {
  const targets = [];
  for (const r of summary.filter((s) => s.variant.startsWith("airlock-masked"))) {
    targets.push({
      name: `${r.label} / Airlock without masking, ${METHODS[r.method].label}`,
      goal: `≥ ${TARGETS.ratio}`,
      value: r.vsUnmasked === undefined ? undefined : fmt(r.vsUnmasked),
      pass: r.vsUnmasked === undefined ? undefined : r.vsUnmasked >= TARGETS.ratio,
      informative: r.variant !== "airlock-masked",
    });
  }
  for (const r of summary.filter((s) => s.variant !== "direct")) {
    for (const p of r.processes) {
      const value = p.peakBytes === undefined ? undefined : p.peakBytes / MB;
      targets.push({
        name: `peak RSS of ${p.role}, ${r.label}, ${METHODS[r.method].label}`,
        goal: `≤ ${TARGETS.peakRssMb} MB`,
        value: value === undefined ? undefined : `${fmt(value, 0)} MB`,
        pass: value === undefined ? undefined : value <= TARGETS.peakRssMb,
      });
    }
  }
  return targets;
}

function renderMarkdown(results) {
  const m = results.machine;
  const lines = [];
  lines.push(
    `# Masking benchmark ${results.startedAt.slice(0, 10)}${results.options.quick ? " (quick)" : ""}`,
    "",
    `${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB.toFixed(1)} GiB, Linux ${m.kernel}; Node ${m.node}; ` +
      `PostgreSQL ${m.postgres}. Load average ${m.loadAtStart.join(" ")} at the start, ` +
      `${m.loadAtEnd?.join(" ") ?? "–"} at the end.`,
    "",
    `Table \`pii\`: ${int(results.table.rows)} rows (id + email, phone, card, note, token), ` +
      `${fmt(results.table.tableBytes / MB, 0)} MB on disk. Every read is the whole table, ` +
      `${results.options.reps}× per cell, interleaved; median time; peak RSS = the highest of the runs ` +
      "(VmHWM reset before each read); CPU = median user+system seconds of the process during the read.",
    "",
    "Mask rules of the masked runs:",
    "",
    "```yaml",
    "mask:",
    ...MASK_RULES.map(
      (r) =>
        `  - { ${r.columns ? `columns: [${r.columns.map((c) => `"${c}"`).join(", ")}]` : `detect: [${r.detect.join(", ")}]`}, strategy: ${r.strategy} }`,
    ),
    "```",
    "",
  );
  for (const method of Object.keys(METHODS)) {
    const rows = results.summary.filter((r) => r.method === method);
    lines.push(
      `## ${METHODS[method].label}`,
      "",
      "| path | median s | rows/s | vs unmasked | vs direct | peak RSS MB (CP / connector / CLI) | RSS before the read MB | CPU s (CP / connector / CLI) |",
      "| --- | --: | --: | --: | --: | --: | --: | --: |",
    );
    for (const r of rows) {
      const procs = (key, f) =>
        r.processes.length ? r.processes.map((p) => f(p[key])).join(" / ") : "–";
      lines.push(
        `| ${r.label}${r.failed ? ` (${r.failed} failed)` : ""} | ${fmt(r.seconds)} | ${int(r.rowsPerSecond)} | ` +
          `${r.variant === "direct" ? "–" : fmt(r.vsUnmasked)} | ${fmt(r.vsDirect)} | ` +
          `${procs("peakBytes", mb)} | ${procs("beforeBytes", mb)} | ${procs("cpuSeconds", (s) => fmt(s, 1))} |`,
      );
    }
    const counts = rows.find((r) => r.maskCounts)?.maskCounts;
    if (counts)
      lines.push(
        "",
        `Values masked per read (recorded by the control plane): \`${JSON.stringify(counts)}\``,
      );
    if (method === "datarows") {
      const c = rows.map((r) => `${r.label} ${fmt(r.clientCpuSeconds, 1)} s`).join(", ");
      lines.push("", `Client (\`bench/lib/read-rows.mjs\`) CPU per read: ${c}.`);
    }
    for (const r of rows.filter((x) => x.errors.length))
      lines.push("", `Errors (${r.label}): ${r.errors.join(" | ")}`);
    lines.push("");
  }
  lines.push("## Targets", "");
  for (const t of results.targets) {
    const verdict = t.pass === undefined ? "N/A" : t.pass ? "PASS" : "MISS";
    lines.push(
      `- **${verdict}**${t.informative ? " (informative)" : ""} ${t.name}: ${t.value ?? "not measured"} (goal ${t.goal})`,
    );
  }
  lines.push(
    "",
    `Masking violations audited by the verification pass: ${results.violations ?? "–"}.`,
    "",
  );
  if (results.detectors) {
    const d = results.detectors;
    lines.push("## Detector micro-benchmark (one core)", "");
    if (!d.ok) lines.push(`Failed: ${d.error}`, "");
    else {
      lines.push(
        `\`node packages/masking/bench/detectors.mjs\` (ROWS=${d.rows}; 5 text columns, all 13 detectors; best of 3):`,
        "",
        "| step | mixed PII rows/s/core | clean rows/s/core | note (mixed PII) |",
        "| --- | --: | --: | --- |",
      );
      const [pii, clean] = ["mixed PII", "clean"].map((s) => d.sets.find((x) => x.set === s));
      for (const l of pii?.lines ?? []) {
        const c = clean?.lines.find((x) => x.label === l.label);
        lines.push(
          `| ${l.label} | ${int(l.rowsPerSecond)} | ${int(c?.rowsPerSecond)} | ${l.extra ?? ""} |`,
        );
      }
      lines.push("");
    }
  }
  if (results.profile) {
    const p = results.profile;
    lines.push(
      "## Connector CPU profile (one masked read of each kind, connector under --cpu-prof)",
      "",
    );
    for (const r of p.runs ?? []) {
      lines.push(
        `- ${METHODS[r.method].label}: ${r.ok ? `${fmt(r.seconds)} s, connector CPU ${fmt(r.connectorCpuSeconds, 1)} s` : r.error}`,
      );
    }
    if (p.error) lines.push(`- ${p.error}`);
    if (p.summary) lines.push("", `\`${p.file}\`:`, "", "```text", p.summary, "```");
    lines.push("");
  }
  return lines.join("\n");
}

function writeResults(options, results, markdown) {
  const dir = path.join(benchDir, "results");
  mkdirSync(dir, { recursive: true });
  const suffix =
    options.quick && options.rows === 100_000
      ? "-quick"
      : options.rows !== 1_000_000
        ? `-${options.rows}-rows`
        : "";
  const base = path.join(dir, `${results.startedAt.slice(0, 10)}-masking${suffix}`);
  return writeResultFiles(repoRoot, base, markdown, results);
}

// ---------------------------------------------------------------------------------------

async function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: os.totalmem() / 1024 ** 3,
    kernel: os.release(),
    node: process.version,
    postgres: await serverVersion(),
    loadAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err.message}\n(node bench/masking.mjs --help for the options)\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(options.help);
    process.exit(0);
  }
  const notBuilt = missingBuild();
  if (notBuilt) throw new Error(notBuilt);
  installSignalHandlers();

  const tmpDir = mkdtempSync(path.join(os.tmpdir(), "airlock-bench-masking-"));
  onCleanup("remove the temp directory", async () => {
    if (options.keepLogs) {
      const kept = path.join(os.tmpdir(), `airlock-bench-masking-logs-${Date.now()}`);
      cpSync(path.join(tmpDir, "logs"), kept, { recursive: true });
      say(`logs kept in ${kept}`);
    }
    rmSync(tmpDir, { recursive: true, force: true });
  });
  options.tmpDir = tmpDir;
  options.logDir = path.join(tmpDir, "logs");
  mkdirSync(options.logDir);

  const results = {
    startedAt: new Date().toISOString(),
    options: Object.fromEntries(
      Object.entries(options).filter(([k]) => !["tmpDir", "logDir"].includes(k)),
    ),
    maskRules: MASK_RULES,
    machine: await machineInfo(),
    variants: [],
    runs: [],
  };
  const m = results.machine;
  say(
    `machine: ${m.cpus} CPUs (${m.cpuModel}), Node ${m.node}, PostgreSQL ${m.postgres}, load ${m.loadAtStart.join(" ")}`,
  );
  if (m.loadAtStart[0] > m.cpus / 4) {
    say(
      `warning: load average ${m.loadAtStart.join(" ")} on ${m.cpus} CPUs: something else is running; figures will be noisy`,
    );
  }

  // The table, once per run.
  say(`creating ${DB} with pii (${int(options.rows)} rows)…`);
  onCleanup(`drop ${DB}`, () => dropDatabase(DB));
  await recreateDatabase(DB);
  const t0 = Date.now();
  const table = await createPiiTable(DB, options.rows);
  results.table = {
    rows: table.rows,
    tableBytes: table.tableBytes,
    tupleBytes: table.tupleBytes,
    createSeconds: (Date.now() - t0) / 1000,
  };
  say(
    `  ${int(table.rows)} rows, ${fmt(table.tableBytes / MB, 0)} MB, in ${fmt(results.table.createSeconds, 1)} s`,
  );

  // Airlock, once (and a second one without the verification pass).
  const airlocks = [
    { key: "main", name: "airlock-masking", env: {} },
    ...(options.noverify
      ? [
          {
            key: "noverify",
            name: "airlock-masking-noverify",
            env: { AIRLOCK_MASK_VERIFY: "false" },
          },
        ]
      : []),
  ];
  const gateways = {};
  for (const a of airlocks) {
    checkInterrupted();
    await recreateDatabase(STORES[a.key]);
    onCleanup(`drop ${STORES[a.key]}`, () => dropDatabase(STORES[a.key]));
    say(`starting ${a.name}…`);
    const g = await startAirlock({
      tmpDir,
      logDir: options.logDir,
      say: (line) => say(`  ${line}`),
      name: a.name,
      storeDb: STORES[a.key],
      database: DB,
      controlPlaneEnv: a.env,
    });
    onCleanup(`stop ${a.name}`, () => g.stop());
    g.storeDb = STORES[a.key];
    g.masked = false; // startAirlock applied the permissive policy, no mask rules
    gateways[a.key] = g;
  }

  const direct = { host: pgHost, port: pgPort };
  const variants = [
    { name: "direct", label: "direct", masked: false, ...direct },
    { name: "airlock", label: "Airlock, no mask rules", masked: false, gateway: gateways.main },
    { name: "airlock-masked", label: "Airlock, masked", masked: true, gateway: gateways.main },
    ...(gateways.noverify
      ? [
          {
            name: "airlock-masked-noverify",
            label: "Airlock, masked, AIRLOCK_MASK_VERIFY=false",
            masked: true,
            gateway: gateways.noverify,
          },
        ]
      : []),
  ];
  for (const v of variants)
    if (v.gateway) Object.assign(v, { host: v.gateway.host, port: v.gateway.port });
  results.variants = variants.map(({ name, label, masked }) => ({ name, label, masked }));
  if (!gateways.noverify)
    results.notes = ["the AIRLOCK_MASK_VERIFY=false variant was skipped (--skip-noverify)"];

  // Warm-up: the table into the page cache (a direct read), then every path × kind on
  // pii_warm (JIT), with and without mask rules.
  say(
    `warm-up (direct read of pii, then ${int(Math.min(WARM_ROWS, options.rows))} rows per path and kind)…`,
  );
  await readCopy(pgHost, pgPort);
  for (const v of variants) {
    if (v.gateway) await setMasking(v.gateway, v.masked);
    for (const method of Object.keys(METHODS)) {
      const r = await METHODS[method].read(v.host, v.port, "pii_warm");
      if (!r.ok) throw new Error(`warm-up ${v.name} ${method} failed: ${r.error}`);
    }
  }

  const total = options.reps * Object.keys(METHODS).length * variants.length;
  let n = 0;
  for (let rep = 1; rep <= options.reps; rep++) {
    for (const method of Object.keys(METHODS)) {
      for (const v of variants) {
        checkInterrupted();
        n++;
        const r = await measure(v, method, options.rows);
        r.rep = rep;
        r.load1 = Number(os.loadavg()[0].toFixed(2));
        results.runs.push(r);
        const procs = r.processes
          .map((p) => `${p.role} ${mb(p.peakBytes)} MB/${fmt(p.cpuSeconds, 1)} s`)
          .join(", ");
        say(
          `[${n}/${total}] ${method.padEnd(8)} ${v.name.padEnd(23)} ` +
            (r.ok ? `${fmt(r.seconds)} s, ${int(r.rowsPerSecond)} rows/s` : `FAILED: ${r.error}`) +
            (procs ? `; ${procs}` : ""),
        );
      }
    }
  }
  results.violations = 0;
  for (const g of Object.values(gateways)) results.violations += await violations(g.storeDb);

  if (options.profile) {
    // The measured gateways stay up but idle; the profiled one runs alone.
    say("profiling the connector (a third Airlock, connector under --cpu-prof)…");
    try {
      results.profile = await profileConnector(options);
    } catch (err) {
      if (wasInterrupted()) throw err;
      results.profile = { error: err.message.split("\n")[0] };
      say(`  profile failed: ${err.message}`);
    }
  }
  for (const g of Object.values(gateways)) await g.stop();

  if (options.detectors) {
    const rows = options.quick ? 100_000 : 1_000_000;
    say(`detector micro-benchmark (ROWS=${rows}, one core)…`);
    results.detectors = await detectorBench(rows);
    if (results.detectors.ok) process.stdout.write(results.detectors.stdout);
    else say(`  failed: ${results.detectors.error}`);
  }

  results.finishedAt = new Date().toISOString();
  results.machine.loadAtEnd = os.loadavg().map((l) => Number(l.toFixed(2)));
  results.summary = summarise(results);
  results.targets = evaluateTargets(results.summary);
  const markdown = renderMarkdown(results);
  process.stdout.write(`\n${markdown}\n`);
  if (options.write) say(`wrote ${writeResults(options, results, markdown).join(" and ")}`);
}

let exitCode = 0;
try {
  await main();
} catch (err) {
  if (!wasInterrupted()) {
    process.stderr.write(`[bench:masking] error: ${err?.stack ?? err}\n`);
    exitCode = 1;
  }
} finally {
  if (!wasInterrupted()) {
    say("cleaning up (processes, databases, temp files)…");
    await runCleanup();
    process.exit(exitCode);
  }
}
