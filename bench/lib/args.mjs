// Command-line options of `pnpm bench`.
import { parseArgs } from "node:util";

export const ALL_PATHS = ["direct", "pgbouncer", "relays", "airlock"];
/** The Airlock path in each AIRLOCK_AUDIT_COMMIT mode: "airlock" is the default (sync). */
export const AIRLOCK_PATHS = { sync: "airlock", async: "airlock-async" };
/** The policy an Airlock path decides with: a permissive bench policy, or the demo policy. */
export const POLICIES = ["permissive", "demo"];
/** "airlock", "airlock-async", and with the demo policy "airlock-demo-policy", "airlock-async-demo-policy". */
export const airlockPath = (mode, policy) =>
  `${AIRLOCK_PATHS[mode]}${policy === "demo" ? "-demo-policy" : ""}`;
export const isAirlock = (path) => path === "airlock" || path.startsWith("airlock-");
/** The audit-commit mode and the policy of an Airlock path. */
export const airlockVariant = (path) => ({
  auditCommit: path.startsWith(AIRLOCK_PATHS.async) ? "async" : "sync",
  policy: path.endsWith("-demo-policy") ? "demo" : "permissive",
});
export const ALL_WORKLOADS = ["select-only", "simple-update"];

const HELP = `Usage: node bench/run.mjs [options]   (or: pnpm bench -- [options])

Runs pgbench -S and -N against the local Postgres directly, through pgbouncer (session
mode), through three chained Node TCP relays and through Airlock, one path at a time,
then a large result (1M rows) through every path. Prints a markdown table and writes
bench/results/<date>.md and .json.

Options:
  --quick               -T 5 per run and a 2 s warm-up (default: -T 15, 3 s warm-up)
  --duration <s>        seconds per pgbench run (overrides --quick)
  --warmup <s>          seconds of warm-up per path before its first run (0: none)
  --only <paths>        comma-separated subset of: ${ALL_PATHS.join(", ")}
  --skip <paths>        comma-separated paths to leave out
  --skip-airlock        same as --skip airlock
  --clients <list>      client counts (default 1,8); jobs = min(clients, 2)
  --workloads <list>    select-only (-S), simple-update (-N) (default both)
  --scale <n>           pgbench -i scale (default 10)
  --large-rows <n>      rows of the large-result query (default 1000000; 0 skips it)
  --rounds <n>          repeat the whole matrix n times, keep the median-TPS round (default 1)
  --audit-commit <m>    AIRLOCK_AUDIT_COMMIT of the Airlock path: sync, async or both
                        (default both: two Airlock rows, "Airlock" = sync and
                        "Airlock, async audit commit"; each has its own store database)
  --policy <p>          the policy Airlock decides with: permissive (default: one rule
                        allowing every statement kind), demo (deploy/demo/policy.yaml)
                        or both (a second row per audit-commit mode, "…, demo policy")
  --store-async-commit  diagnostic: also synchronous_commit=off on the whole store database
                        (session rows too; not a production setting; marked in the report)
  --profile             run the Airlock processes under node --cpu-prof (bench/profiles/)
  --no-write            print the report only; write nothing under bench/results/
  --keep-logs           keep the processes' logs (path printed at the end)
  --verbose             echo pgbench and process output
  -h, --help            this text
`;

function list(value, allowed, flag) {
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!allowed.includes(item)) {
      throw new Error(`${flag}: unknown value "${item}" (expected one of ${allowed.join(", ")})`);
    }
  }
  return items;
}

function positiveInt(value, flag, { allowZero = false } = {}) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
    throw new Error(
      `${flag}: expected ${allowZero ? "a whole number ≥ 0" : "a positive whole number"}, got "${value}"`,
    );
  }
  return n;
}

export function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== "--"),
    options: {
      quick: { type: "boolean", default: false },
      duration: { type: "string" },
      warmup: { type: "string" },
      only: { type: "string" },
      skip: { type: "string" },
      "skip-airlock": { type: "boolean", default: false },
      clients: { type: "string", default: "1,8" },
      workloads: { type: "string", default: ALL_WORKLOADS.join(",") },
      scale: { type: "string", default: "10" },
      "large-rows": { type: "string", default: "1000000" },
      rounds: { type: "string", default: "1" },
      profile: { type: "boolean", default: false },
      "store-async-commit": { type: "boolean", default: false },
      "audit-commit": { type: "string", default: "both" },
      policy: { type: "string", default: "permissive" },
      "no-write": { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      "keep-logs": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) return { help: HELP };

  let paths = values.only ? list(values.only, ALL_PATHS, "--only") : [...ALL_PATHS];
  const skip = values.skip ? list(values.skip, ALL_PATHS, "--skip") : [];
  if (values["skip-airlock"]) skip.push("airlock");
  paths = paths.filter((p) => !skip.includes(p));
  const auditCommit = values["audit-commit"];
  if (!["sync", "async", "both"].includes(auditCommit)) {
    throw new Error(`--audit-commit: expected sync, async or both, got "${auditCommit}"`);
  }
  const modes = auditCommit === "both" ? ["sync", "async"] : [auditCommit];
  const policy = values.policy;
  if (![...POLICIES, "both"].includes(policy)) {
    throw new Error(`--policy: expected permissive, demo or both, got "${policy}"`);
  }
  const policies = policy === "both" ? POLICIES : [policy];
  const partial = paths.length !== ALL_PATHS.length;
  paths = paths.flatMap((p) =>
    p === "airlock" ? modes.flatMap((m) => policies.map((pol) => airlockPath(m, pol))) : [p],
  );
  if (paths.length === 0) throw new Error("no path left to measure (check --only / --skip)");

  const duration = values.duration
    ? positiveInt(values.duration, "--duration")
    : values.quick
      ? 5
      : 15;
  const warmup = values.warmup
    ? positiveInt(values.warmup, "--warmup", { allowZero: true })
    : values.quick
      ? 2
      : 3;
  const clients = values.clients.split(",").map((c) => positiveInt(c.trim(), "--clients"));

  return {
    quick: values.quick,
    duration,
    warmup,
    paths,
    partial,
    auditCommit,
    policy,
    clients,
    workloads: list(values.workloads, ALL_WORKLOADS, "--workloads"),
    scale: positiveInt(values.scale, "--scale"),
    largeRows: positiveInt(values["large-rows"], "--large-rows", { allowZero: true }),
    rounds: positiveInt(values.rounds, "--rounds"),
    profile: values.profile,
    storeAsyncCommit: values["store-async-commit"],
    write: !values["no-write"],
    verbose: values.verbose,
    keepLogs: values["keep-logs"],
  };
}
