// One pgbench run against a local port, with per-transaction logs turned into latency stats.
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { BENCH_DB, libpqEnv, pgBin, pgUser } from "./postgres.mjs";
import { runCommand } from "./procs.mjs";

export const WORKLOAD_FLAG = { "select-only": "-S", "simple-update": "-N" };

/** Latency statistics in milliseconds from microsecond samples (nearest-rank percentiles). */
export function latencyStats(samplesUs) {
  const n = samplesUs.length;
  if (n === 0) return undefined;
  const sorted = Float64Array.from(samplesUs).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const rank = (p) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))] / 1000;
  return {
    count: n,
    avgMs: sum / n / 1000,
    p50Ms: rank(0.5),
    p90Ms: rank(0.9),
    p99Ms: rank(0.99),
    maxMs: sorted[n - 1] / 1000,
  };
}

/**
 * Reads pgbench's per-transaction logs (`-l`): one line per transaction,
 * `client_id transaction_no time script_no time_epoch time_us`, `time` being the latency in µs
 * (or "failed"/"skipped", which are left out).
 */
export function readTransactionLogs(dir, prefix) {
  const samples = [];
  for (const file of readdirSync(dir)) {
    if (!file.startsWith(`${prefix}.`)) continue;
    const text = readFileSync(path.join(dir, file), "latin1");
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf("\n", start);
      if (end < 0) end = text.length;
      // Third space-separated field.
      const s1 = text.indexOf(" ", start);
      const s2 = s1 < 0 ? -1 : text.indexOf(" ", s1 + 1);
      const s3 = s2 < 0 ? -1 : text.indexOf(" ", s2 + 1);
      if (s3 > 0 && s3 < end) {
        const us = Number(text.slice(s2 + 1, s3));
        if (Number.isFinite(us)) samples.push(us);
      }
      start = end + 1;
    }
  }
  return samples;
}

function number(pattern, text) {
  const m = pattern.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Runs `pgbench -n -S|-N -c C -j J -T D --protocol=simple -l` against host:port. */
export async function runPgbench({
  host = "127.0.0.1",
  port,
  workload,
  clients,
  duration,
  logDir,
  verbose,
}) {
  const jobs = Math.min(clients, 2);
  const dir = path.join(logDir, `pgbench-${port}-${workload}-${clients}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const prefix = "tx";
  const args = [
    "-h",
    host,
    "-p",
    String(port),
    "-U",
    pgUser,
    "-n",
    WORKLOAD_FLAG[workload],
    "-c",
    String(clients),
    "-j",
    String(jobs),
    "-T",
    String(duration),
    "--protocol=simple",
    "-l",
    `--log-prefix=${path.join(dir, prefix)}`,
    BENCH_DB,
  ];
  try {
    // Bounded: the run itself, plus connection set-up and a generous margin.
    const res = await runCommand(pgBin("pgbench"), args, {
      env: { ...libpqEnv(), PGAPPNAME: "airlock-bench" },
      timeoutMs: (duration + 60) * 1000,
      echo: verbose,
    });
    const out = res.stdout;
    const tps = number(/^tps = ([\d.]+)/m, out);
    const result = {
      workload,
      clients,
      jobs,
      duration,
      command: `pgbench ${args.join(" ").replace(dir, "<tmp>")}`,
      ok: res.code === 0 && tps !== undefined && !res.timedOut,
      tps,
      transactions: number(/number of transactions actually processed: (\d+)/, out),
      failed: number(/number of failed transactions: (\d+)/, out) ?? 0,
      pgbenchAvgMs: number(/latency average = ([\d.]+) ms/, out),
      connectMs: number(/initial connection time = ([\d.]+) ms/, out),
      latency: latencyStats(readTransactionLogs(dir, prefix)),
    };
    if (!result.ok) {
      result.error = res.timedOut
        ? `pgbench did not finish within ${duration + 60} s`
        : (res.stderr || res.stdout).trim().split("\n").slice(-5).join("\n");
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
