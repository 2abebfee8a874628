// Turns the results into targets (PASS/MISS with margins) and a markdown report.
import { isAirlock } from "./args.mjs";

export const MB = 1024 * 1024;
const TARGETS = {
  relayRatio: 0.5, // Airlock TPS / three-relay TPS at 8 clients, at least
  p50DeltaMs: 0.5, // Airlock p50 − direct p50 at 1 client, at most
  peakRssMb: 300, // per Airlock process, at most
};
const FLAG = { "select-only": "-S", "simple-update": "-N" };

const fmt = (n, digits = 2) => (n === undefined || Number.isNaN(n) ? "–" : n.toFixed(digits));
const int = (n) => (n === undefined ? "–" : Math.round(n).toLocaleString("en-US"));
/** "0.12 above the goal" when `headroom` ≥ 0, else "0.12 below the goal". */
const beyond = (headroom, digits, unit, good, bad) =>
  `${Math.abs(headroom).toFixed(digits)}${unit} ${headroom >= 0 ? good : bad} the goal`;

function find(runs, path, workload, clients) {
  return runs.find(
    (r) => r.path === path && r.workload === workload && r.clients === clients && r.ok,
  );
}

function ratio(a, b) {
  return a?.tps !== undefined && b?.tps ? a.tps / b.tps : undefined;
}

/** Every target the data allows, plus why the others could not be checked. */
export function evaluateTargets(results) {
  const { runs, options, paths } = results;
  const targets = [];
  for (const airlock of options.paths.filter(isAirlock)) {
    const label = paths?.[airlock]?.label ?? airlock;
    for (const workload of options.workloads) {
      if (options.clients.includes(8)) {
        const value = ratio(find(runs, airlock, workload, 8), find(runs, "relays", workload, 8));
        targets.push({
          name: `${label} / 3 relays TPS, ${FLAG[workload]}, 8 clients`,
          goal: `≥ ${TARGETS.relayRatio}`,
          value: value === undefined ? undefined : fmt(value),
          pass: value === undefined ? undefined : value >= TARGETS.relayRatio,
          margin:
            value === undefined
              ? undefined
              : beyond(value - TARGETS.relayRatio, 2, "", "above", "below"),
        });
      }
      if (options.clients.includes(1)) {
        const a = find(runs, airlock, workload, 1)?.latency?.p50Ms;
        const d = find(runs, "direct", workload, 1)?.latency?.p50Ms;
        const value = a !== undefined && d !== undefined ? a - d : undefined;
        targets.push({
          name: `${label} p50 − direct p50, ${FLAG[workload]}, 1 client`,
          goal: `≤ ${TARGETS.p50DeltaMs} ms`,
          value: value === undefined ? undefined : `${fmt(value, 3)} ms`,
          pass: value === undefined ? undefined : value <= TARGETS.p50DeltaMs,
          margin:
            value === undefined
              ? undefined
              : beyond(TARGETS.p50DeltaMs - value, 3, " ms", "under", "over"),
        });
      }
    }
  }
  for (const [airlock, procs] of Object.entries(results.memory ?? {})) {
    if (!isAirlock(airlock)) continue;
    const label = paths?.[airlock]?.label ?? airlock;
    for (const proc of procs) {
      const mb = proc.peakBytes / MB;
      targets.push({
        name: `peak RSS of ${proc.role}, ${label} (whole run)`,
        goal: `≤ ${TARGETS.peakRssMb} MB`,
        value: `${fmt(mb, 0)} MB`,
        pass: mb <= TARGETS.peakRssMb,
        margin: beyond(TARGETS.peakRssMb - mb, 0, " MB", "under", "over"),
      });
    }
  }
  return targets;
}

function verdict(t) {
  if (t.pass === undefined) return "n/a (not measured)";
  return `${t.pass ? "PASS" : "MISS"} (${t.margin})`;
}

function table(header, rows, align) {
  const lines = [`| ${header.join(" | ")} |`];
  lines.push(`| ${header.map((_, i) => (align?.[i] === "r" ? "---:" : "---")).join(" | ")} |`);
  for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
  return lines.join("\n");
}

export function renderMarkdown(results) {
  const { machine, options, runs, paths } = results;
  const out = [];
  out.push(`# Airlock benchmark, ${results.startedAt.slice(0, 16).replace("T", " ")} UTC`);
  out.push("");
  out.push(
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${fmt(machine.memoryGiB, 1)} GiB RAM, ` +
      `Linux ${machine.kernel}; Node ${machine.node}; PostgreSQL ${machine.postgres}; ` +
      `${machine.pgbench}; ${machine.pgbouncer ?? "pgbouncer not installed"}. ` +
      `Load average (1/5/15 min) ${machine.loadAtStart.join(" ")} at the start, ` +
      `${machine.loadAtEnd?.join(" ") ?? "–"} at the end.`,
  );
  out.push("");
  out.push(
    `Settings: pgbench scale ${options.scale}, \`-T ${options.duration}\` per run, ` +
      `\`-n --protocol=simple\`, \`-j min(clients, 2)\`, PGSSLMODE=disable on every path, ` +
      `${options.warmup} s warm-up per path, paths run one at a time and interleaved per ` +
      `workload × clients` +
      (options.rounds > 1 ? `, ${options.rounds} rounds (median-TPS round kept)` : "") +
      (options.profile
        ? ". **Profiled run (node --cpu-prof): Airlock figures are slowed.**"
        : ".") +
      (options.paths.includes("airlock-async")
        ? ' "Airlock, async audit commit" runs with `AIRLOCK_AUDIT_COMMIT=async`: each' +
          " command record still commits before the command is forwarded, without waiting" +
          " for the store's WAL flush."
        : "") +
      (options.paths.some((p) => p.endsWith("-demo-policy"))
        ? ' Rows marked "demo policy" decide every statement with deploy/demo/policy.yaml;' +
          " the others with a permissive bench policy (one rule allowing every statement kind)."
        : "") +
      (options.storeAsyncCommit
        ? " **Diagnostic run: Airlock's store databases had `synchronous_commit = off`" +
          " (session rows and completions too).**"
        : "") +
      " Latencies from pgbench's per-transaction logs (`-l`).",
  );
  out.push("");

  out.push("## pgbench");
  out.push("");
  const rows = [];
  for (const workload of options.workloads) {
    for (const clients of options.clients) {
      const direct = find(runs, "direct", workload, clients);
      for (const path of options.paths) {
        const r = runs.find(
          (x) => x.path === path && x.workload === workload && x.clients === clients,
        );
        if (!r) continue;
        const label = paths[path]?.label ?? path;
        if (!r.ok) {
          rows.push([`${FLAG[workload]} ${workload}`, clients, label, "failed", "", "", "", ""]);
          continue;
        }
        const vsDirect = ratio(r, direct);
        rows.push([
          `${FLAG[workload]} ${workload}`,
          clients,
          label,
          int(r.tps),
          fmt(r.latency?.avgMs, 3),
          fmt(r.latency?.p50Ms, 3),
          fmt(r.latency?.p99Ms, 3),
          vsDirect === undefined ? "–" : fmt(vsDirect),
        ]);
      }
    }
  }
  out.push(
    table(
      ["workload", "clients", "path", "TPS", "avg ms", "p50 ms", "p99 ms", "TPS vs direct"],
      rows,
      ["l", "r", "l", "r", "r", "r", "r", "r"],
    ),
  );
  out.push("");

  const airlocks = options.paths.filter(isAirlock);
  const others = options.paths.filter((p) => !isAirlock(p));
  if (airlocks.length > 0 && others.length > 0) {
    out.push("## Airlock compared");
    out.push("");
    const ratioRows = [];
    for (const airlock of airlocks) {
      for (const workload of options.workloads) {
        for (const clients of options.clients) {
          const a = find(runs, airlock, workload, clients);
          const d = find(runs, "direct", workload, clients);
          const delta =
            a?.latency && d?.latency ? `${fmt(a.latency.p50Ms - d.latency.p50Ms, 3)}` : "–";
          ratioRows.push([
            paths[airlock]?.label ?? airlock,
            `${FLAG[workload]}`,
            clients,
            fmt(ratio(a, d)),
            fmt(ratio(a, find(runs, "pgbouncer", workload, clients))),
            fmt(ratio(a, find(runs, "relays", workload, clients))),
            delta,
          ]);
        }
      }
    }
    out.push(
      table(
        [
          "path",
          "workload",
          "clients",
          "TPS / direct",
          "TPS / pgbouncer",
          "TPS / 3 relays",
          "p50 − direct p50 (ms)",
        ],
        ratioRows,
        ["l", "l", "r", "r", "r", "r", "r"],
      ),
    );
    out.push("");
  }

  if (results.targets.length > 0) {
    out.push("## Targets");
    out.push("");
    out.push(
      table(
        ["target", "goal", "measured", "result"],
        results.targets.map((t) => [t.name, t.goal, t.value ?? "–", verdict(t)]),
      ),
    );
    out.push("");
  }

  if (results.large.length > 0) {
    out.push(`## Large result (${int(options.largeRows)} rows)`);
    out.push("");
    out.push(
      `\`psql -X -At -o /dev/null -c "SELECT g, md5(g::text) FROM generate_series(1, ${options.largeRows}) g"\``,
    );
    out.push("");
    out.push(
      table(
        ["path", "wall s", "vs direct", "gateway processes: peak RSS during the query (MB)"],
        results.large.map((l) => {
          const direct = results.large.find((x) => x.path === "direct" && x.ok);
          return [
            paths[l.path]?.label ?? l.path,
            l.ok ? fmt(l.seconds) : "failed",
            l.ok && direct ? fmt(l.seconds / direct.seconds) : "–",
            l.rss.length === 0
              ? "–"
              : l.rss.map((p) => `${p.role} ${fmt(p.peakBytes / MB, 0)}`).join(", "),
          ];
        }),
        ["l", "r", "r", "l"],
      ),
    );
    out.push("");
  }

  const airlockMemory = Object.entries(results.memory ?? {}).filter(([p]) => isAirlock(p));
  if (airlockMemory.length > 0) {
    out.push("## Airlock memory (VmHWM, peak resident set)");
    out.push("");
    out.push(
      table(
        ["path", "process", "peak RSS, whole run (MB)", "peak RSS during the large result (MB)"],
        airlockMemory.flatMap(([airlock, procs]) =>
          procs.map((p) => [
            paths[airlock]?.label ?? airlock,
            p.role,
            fmt(p.peakBytes / MB, 0),
            p.largePeakBytes === undefined ? "–" : fmt(p.largePeakBytes / MB, 0),
          ]),
        ),
        ["l", "l", "r", "r"],
      ),
    );
    out.push("");
  }

  const problems = [];
  for (const [name, info] of Object.entries(paths)) {
    if (info.error) problems.push(`- **${name}** not measured: ${info.error.split("\n")[0]}`);
    for (const note of info.notes ?? []) problems.push(`- ${name}: ${note}`);
  }
  for (const r of runs.filter((x) => !x.ok)) {
    problems.push(
      `- ${r.path} ${FLAG[r.workload]} ${r.clients} clients failed: ${(r.error ?? "").split("\n")[0]}`,
    );
  }
  for (const l of results.large.filter((x) => !x.ok)) {
    problems.push(`- large result through ${l.path} failed: ${(l.error ?? "").split("\n")[0]}`);
  }
  if (problems.length > 0) {
    out.push("## Notes");
    out.push("");
    out.push(...problems);
    out.push("");
  }
  return out.join("\n");
}
