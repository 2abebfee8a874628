#!/usr/bin/env node
// `pnpm bench`: pgbench through four paths to the same local Postgres, one at a time, in one
// run: direct, pgbouncer (session mode), three chained Node TCP relays, and Airlock
// (control plane + connector + `airlock connect`). Then a 1M-row result through each path,
// with the peak RSS of the gateway processes. See bench/README.md.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AIRLOCK_PATHS, airlockVariant, isAirlock, parseOptions } from "./lib/args.mjs";
import {
  checkInterrupted,
  installSignalHandlers,
  onCleanup,
  runCleanup,
  wasInterrupted,
} from "./lib/cleanup.mjs";
import { startAirlock } from "./lib/paths/airlock.mjs";
import { startDirect } from "./lib/paths/direct.mjs";
import { pgbouncerVersion, startPgbouncer } from "./lib/paths/pgbouncer.mjs";
import { startRelays } from "./lib/paths/relays.mjs";
import { runPgbench } from "./lib/pgbench.mjs";
import {
  asyncCommit,
  BENCH_DB,
  STORE_DB,
  dropDatabase,
  libpqEnv,
  pgBin,
  pgUser,
  pgbenchInit,
  recreateDatabase,
  resetBetweenRuns,
  serverVersion,
} from "./lib/postgres.mjs";
import { writeResultFiles } from "./lib/results-files.mjs";
import { memoryOf, resetPeak, runCommand } from "./lib/procs.mjs";
import { evaluateTargets, renderMarkdown } from "./lib/report.mjs";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.dirname(benchDir);
const say = (line) => process.stdout.write(`[bench] ${line}\n`);

/** Each Airlock path has its own store database (a connector name is unique per store). */
const storeDbOf = (path) =>
  path === AIRLOCK_PATHS.sync
    ? STORE_DB
    : `${STORE_DB}_${path.slice("airlock-".length).replace(/-/g, "_")}`;

const starters = {
  direct: startDirect,
  pgbouncer: startPgbouncer,
  relays: startRelays,
};
const starterOf = (path) =>
  starters[path] ??
  ((o) => startAirlock({ ...o, ...airlockVariant(path), name: path, storeDb: storeDbOf(path) }));

async function machineInfo() {
  const cpus = os.cpus();
  const version = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: "utf8" }).split("\n")[0].trim();
    } catch {
      return undefined;
    }
  };
  return {
    cpus: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: os.totalmem() / 1024 ** 3,
    kernel: os.release(),
    node: process.version,
    postgres: await serverVersion(),
    pgbench: version(pgBin("pgbench"), ["--version"]),
    pgbouncer: pgbouncerVersion(),
    loadAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

/** Peak RSS bookkeeping per gateway process (VmHWM only rises, unless we reset it). */
class PeakTracker {
  constructor() {
    this.peaks = new Map();
  }
  sample(processes) {
    for (const p of processes) {
      const mem = memoryOf(p.pid);
      if (mem) this.peaks.set(p.pid, Math.max(this.peaks.get(p.pid) ?? 0, mem.peak));
    }
  }
  peak(pid) {
    return this.peaks.get(pid);
  }
}

async function warmUp(gateway, options) {
  if (options.warmup === 0) return;
  await resetBetweenRuns();
  const r = await runPgbench({
    host: gateway.host,
    port: gateway.port,
    workload: "select-only",
    clients: Math.max(...options.clients),
    duration: options.warmup,
    logDir: options.tmpDir,
    verbose: options.verbose,
  });
  if (!r.ok) throw new Error(`warm-up failed: ${r.error}`);
}

async function startPaths(options, results) {
  const gateways = {};
  for (const name of options.paths) {
    checkInterrupted();
    say(`starting path ${name}…`);
    try {
      const gateway = await starterOf(name)({
        tmpDir: options.tmpDir,
        logDir: options.logDir,
        profile: options.profile,
        profileDir: path.join(benchDir, "profiles"),
        say: (line) => say(`  ${line}`),
      });
      onCleanup(`stop ${name}`, () => gateway.stop());
      await warmUp(gateway, options);
      gateways[name] = gateway;
      results.paths[name] = { label: gateway.label, port: gateway.port, notes: gateway.notes };
      say(`  ${gateway.label} ready on ${gateway.host}:${gateway.port}`);
    } catch (err) {
      if (wasInterrupted()) throw err;
      results.paths[name] = { label: name, error: err.message, skipped: Boolean(err.skip) };
      say(`  path ${name} ${err.skip ? "skipped" : "FAILED"}: ${err.message}`);
    }
  }
  return gateways;
}

function median(items) {
  const sorted = [...items].sort((a, b) => (a.tps ?? -1) - (b.tps ?? -1));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

async function runMatrix(options, gateways, peaks) {
  const runs = [];
  const total =
    options.rounds *
    options.workloads.length *
    options.clients.length *
    Object.keys(gateways).length;
  let n = 0;
  for (let round = 1; round <= options.rounds; round++) {
    for (const workload of options.workloads) {
      for (const clients of options.clients) {
        for (const [name, gateway] of Object.entries(gateways)) {
          n++;
          checkInterrupted();
          await resetBetweenRuns();
          const r = await runPgbench({
            host: gateway.host,
            port: gateway.port,
            workload,
            clients,
            duration: options.duration,
            logDir: options.tmpDir,
            verbose: options.verbose,
          });
          checkInterrupted();
          peaks.sample(gateway.processes);
          runs.push({ path: name, round, ...r, load1: Number(os.loadavg()[0].toFixed(2)) });
          const lat = r.latency;
          say(
            `[${n}/${total}] ${name.padEnd(9)} ${workload.padEnd(13)} c=${clients}: ` +
              (r.ok
                ? `${r.tps.toFixed(0)} TPS, avg ${lat?.avgMs.toFixed(3)} ms, p50 ${lat?.p50Ms.toFixed(3)} ms, p99 ${lat?.p99Ms.toFixed(3)} ms`
                : `FAILED: ${r.error}`),
          );
        }
      }
    }
  }
  if (options.rounds === 1) return runs;
  const kept = [];
  for (const workload of options.workloads) {
    for (const clients of options.clients) {
      for (const name of Object.keys(gateways)) {
        const same = runs.filter(
          (r) => r.path === name && r.workload === workload && r.clients === clients,
        );
        kept.push({ ...median(same), roundsTps: same.map((r) => r.tps) });
      }
    }
  }
  return kept;
}

async function runLarge(options, gateways, peaks) {
  const large = [];
  const sql = `SELECT g, md5(g::text) FROM generate_series(1, ${options.largeRows}) g`;
  for (const [name, gateway] of Object.entries(gateways)) {
    checkInterrupted();
    peaks.sample(gateway.processes);
    for (const p of gateway.processes) resetPeak(p.pid);
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
        BENCH_DB,
        "-X",
        "-At",
        "-v",
        "ON_ERROR_STOP=1",
        "-o",
        "/dev/null",
        "-c",
        sql,
      ],
      { env: libpqEnv(), timeoutMs: 600_000 },
    );
    const rss = gateway.processes.map((p) => ({
      role: p.role,
      pid: p.pid,
      peakBytes: memoryOf(p.pid)?.peak,
    }));
    peaks.sample(gateway.processes);
    const ok = run.code === 0 && !run.timedOut;
    large.push({
      path: name,
      ok,
      seconds: run.ms / 1000,
      rss,
      ...(ok ? {} : { error: run.timedOut ? "timed out after 600 s" : run.stderr.trim() }),
    });
    say(
      `large result through ${name}: ${ok ? `${(run.ms / 1000).toFixed(2)} s` : `FAILED: ${run.stderr.trim()}`}` +
        (rss.length
          ? `; peak RSS ${rss.map((p) => `${p.role} ${((p.peakBytes ?? 0) / 2 ** 20).toFixed(0)} MB`).join(", ")}`
          : ""),
    );
  }
  return large;
}

function writeResults(options, results, markdown) {
  const dir = path.join(benchDir, "results");
  mkdirSync(dir, { recursive: true });
  const suffix =
    (options.quick ? "-quick" : "") +
    (options.partial ? `-${options.paths.join("-")}` : "") +
    (options.profile ? "-profiled" : "") +
    (options.auditCommit !== "both" ? `-audit-${options.auditCommit}` : "") +
    (options.policy !== "permissive" ? `-policy-${options.policy}` : "") +
    (options.storeAsyncCommit ? "-store-async-commit" : "");
  const base = path.join(dir, `${results.startedAt.slice(0, 10)}${suffix}`);
  return writeResultFiles(repoRoot, base, markdown, results);
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err.message}\n(node bench/run.mjs --help for the options)\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(options.help);
    process.exit(0);
  }
  installSignalHandlers();

  const tmpDir = mkdtempSync(path.join(os.tmpdir(), "airlock-bench-"));
  onCleanup("remove the temp directory", async () => {
    if (options.keepLogs) {
      const kept = path.join(os.tmpdir(), `airlock-bench-logs-${Date.now()}`);
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
    machine: await machineInfo(),
    paths: {},
    runs: [],
    large: [],
    memory: {},
    targets: [],
  };
  const m = results.machine;
  say(
    `machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB.toFixed(1)} GiB, Linux ${m.kernel}; ` +
      `Node ${m.node}; PostgreSQL ${m.postgres}; ${m.pgbench}; ${m.pgbouncer ?? "pgbouncer not installed"}`,
  );
  if (m.loadAtStart[0] > m.cpus / 4) {
    say(
      `warning: load average ${m.loadAtStart.join(" ")} on ${m.cpus} CPUs: something else is ` +
        "running, so the figures will be noisy (compare paths within this run only)",
    );
  }
  say(
    `plan: paths ${options.paths.join(", ")}; ${options.workloads.join(", ")} × clients ` +
      `${options.clients.join(", ")}; -T ${options.duration} s each` +
      (options.rounds > 1 ? `, ${options.rounds} rounds` : ""),
  );

  const storeDbs = options.paths.filter(isAirlock).map(storeDbOf);
  say(`creating ${[`${BENCH_DB} (pgbench -i -s ${options.scale})`, ...storeDbs].join(" and ")}…`);
  onCleanup(`drop ${BENCH_DB}`, () => dropDatabase(BENCH_DB));
  await recreateDatabase(BENCH_DB);
  await pgbenchInit(options.scale, options);
  for (const db of storeDbs) {
    onCleanup(`drop ${db}`, () => dropDatabase(db));
    await recreateDatabase(db);
    if (options.storeAsyncCommit) await asyncCommit(db);
  }

  const gateways = await startPaths(options, results);
  if (Object.keys(gateways).length === 0) throw new Error("no path could be started");
  const peaks = new PeakTracker();
  for (const g of Object.values(gateways)) peaks.sample(g.processes);

  results.runs = await runMatrix(options, gateways, peaks);
  if (options.largeRows > 0) results.large = await runLarge(options, gateways, peaks);

  for (const g of Object.values(gateways)) peaks.sample(g.processes);
  for (const [name, gateway] of Object.entries(gateways)) {
    if (!isAirlock(name)) continue;
    const largeRss = results.large.find((l) => l.path === name)?.rss ?? [];
    results.memory[name] = gateway.processes.map((p) => ({
      role: p.role,
      peakBytes: peaks.peak(p.pid),
      largePeakBytes: largeRss.find((r) => r.pid === p.pid)?.peakBytes,
    }));
  }
  if (gateways.relays) {
    results.memory.relays = gateways.relays.processes.map((p) => ({
      role: p.role,
      peakBytes: peaks.peak(p.pid),
    }));
  }
  results.finishedAt = new Date().toISOString();
  results.machine.loadAtEnd = os.loadavg().map((l) => Number(l.toFixed(2)));
  results.targets = evaluateTargets(results);

  const markdown = renderMarkdown(results);
  process.stdout.write(`\n${markdown}\n`);
  for (const t of results.targets) {
    say(
      `${t.pass === undefined ? "N/A " : t.pass ? "PASS" : "MISS"} ${t.name}: ${t.value ?? "not measured"} (goal ${t.goal}${t.margin ? `, ${t.margin}` : ""})`,
    );
  }
  if (options.write) {
    const files = writeResults(options, results, markdown);
    say(`wrote ${files.join(" and ")}`);
  }
}

let exitCode = 0;
try {
  await main();
} catch (err) {
  if (!wasInterrupted()) {
    process.stderr.write(`[bench] error: ${err?.stack ?? err}\n`);
    exitCode = 1;
  }
} finally {
  if (!wasInterrupted()) {
    say("cleaning up (processes, databases, temp files)…");
    await runCleanup();
    process.exit(exitCode);
  }
}
