// Path 2: pgbouncer in session mode (one server connection per client, like a plain proxy).
// pgbouncer refuses to run as root, so as root it runs as the `postgres` user, from files
// that user can read.
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { onCleanup } from "../cleanup.mjs";
import { BENCH_DB, pgHost, pgPort, pgUser } from "../postgres.mjs";
import { Daemon, freePort, runCommand } from "../procs.mjs";

function skip(message) {
  const err = new Error(message);
  err.skip = true;
  return err;
}

function which(program) {
  try {
    return execFileSync("sh", ["-c", `command -v ${program}`], { encoding: "utf8" }).trim();
  } catch {
    return ["/usr/sbin", "/usr/bin", "/usr/local/bin"]
      .map((d) => path.join(d, program))
      .find((p) => existsSync(p));
  }
}

const isRoot = () => process.getuid?.() === 0;

async function ensureInstalled(say) {
  const found = which("pgbouncer");
  if (found) return found;
  if (!isRoot()) {
    throw skip(
      "pgbouncer is not installed and this is not root: install it (`sudo apt-get install -y pgbouncer`) to measure this path",
    );
  }
  say("pgbouncer not found: apt-get install -y pgbouncer");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let res = await runCommand("apt-get", ["install", "-y", "-q", "pgbouncer"], {
    env,
    timeoutMs: 300_000,
  });
  if (res.code !== 0) {
    await runCommand("apt-get", ["update", "-q"], { env, timeoutMs: 300_000 });
    res = await runCommand("apt-get", ["install", "-y", "-q", "pgbouncer"], {
      env,
      timeoutMs: 300_000,
    });
  }
  const installed = which("pgbouncer");
  if (!installed) throw skip(`apt-get install pgbouncer failed:\n${res.stderr.slice(-500)}`);
  return installed;
}

function postgresAccount() {
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }));
    return { uid, gid };
  } catch {
    throw skip("running as root and there is no `postgres` user to run pgbouncer as");
  }
}

export function pgbouncerVersion() {
  const bin = which("pgbouncer");
  if (!bin) return undefined;
  try {
    return execFileSync(bin, ["--version"], { encoding: "utf8" }).split("\n")[0].trim();
  } catch {
    return undefined;
  }
}

export async function startPgbouncer({ logDir, say }) {
  const bin = await ensureInstalled(say);
  const account = isRoot() ? postgresAccount() : undefined;
  const port = await freePort();
  // Its own directory (not the run's private temp dir, which holds the Airlock admin key).
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-bench-pgbouncer-"));
  onCleanup("remove the pgbouncer directory", async () =>
    rmSync(dir, { recursive: true, force: true }),
  );
  chmodSync(dir, 0o755);
  if (account) chownSync(dir, account.uid, account.gid);

  const userlist = path.join(dir, "userlist.txt");
  writeFileSync(userlist, `"${pgUser}" ""\n`, { mode: 0o644 });
  const ini = path.join(dir, "pgbouncer.ini");
  writeFileSync(
    ini,
    [
      "[databases]",
      `${BENCH_DB} = host=${pgHost} port=${pgPort} dbname=${BENCH_DB} user=${pgUser}`,
      "",
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${userlist}`,
      "pool_mode = session",
      "max_client_conn = 200",
      "default_pool_size = 50",
      "ignore_startup_parameters = extra_float_digits,options",
      "log_connections = 0",
      "log_disconnections = 0",
      "",
    ].join("\n"),
    { mode: 0o644 },
  );

  const logPath = path.join(logDir, "pgbouncer.log");
  const daemon = new Daemon("pgbouncer", bin, [ini], {
    env: { PATH: process.env.PATH ?? "" },
    logPath,
    cwd: dir,
    ...(account ?? {}),
  });
  try {
    await daemon.waitForLog(/process up|listening on/i, 15_000);
  } catch (err) {
    await daemon.stop();
    throw err;
  }
  return {
    name: "pgbouncer",
    label: "pgbouncer (session)",
    host: "127.0.0.1",
    port,
    processes: [{ role: "pgbouncer", pid: daemon.pid }],
    notes: account ? [`pgbouncer ran as user postgres (uid ${account.uid})`] : [],
    async stop() {
      await daemon.stop(); // SIGTERM: immediate shutdown
    },
  };
}
