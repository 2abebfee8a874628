// Path 4: Airlock as in production, three processes: the control plane, a connector that
// dials out to it, and `airlock connect` listening on a local port. Built code only (dist/).
//
// Policies deny by default, so the path applies one through the REST API: a permissive
// bench policy (one rule allowing every statement kind, for the measured user `admin`),
// or with `--policy demo` deploy/demo/policy.yaml (the connection is tagged env=demo), so
// every pgbench statement is decided against the demo rules (and mostly hits the cache).
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  BENCH_DB,
  STORE_DB,
  libpqEnv,
  pgBin,
  pgHost,
  pgPort,
  pgUser,
  urlFor,
} from "../postgres.mjs";
import { Daemon, freePort, runCommand, waitFor } from "../procs.mjs";

export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const entries = {
  controlPlane: path.join(repoRoot, "apps/control-plane/dist/main.js"),
  connector: path.join(repoRoot, "apps/connector/dist/main.js"),
  cli: path.join(repoRoot, "apps/cli/bin/airlock.js"),
  cliDist: path.join(repoRoot, "apps/cli/dist/main.js"),
};

const CONNECTOR = "bench-connector";
const CONNECTION = "bench";
const DEMO_POLICY = path.join(repoRoot, "deploy/demo/policy.yaml");

/** `admin` may run every statement kind (policy-core's list) on the bench connection. */
export function permissivePolicy() {
  const { RULE_STATEMENT_KINDS } = createRequire(import.meta.url)(
    path.join(repoRoot, "packages/policy-core/dist/index.js"),
  );
  return {
    name: "bench-allow-all",
    description: "the bench measures the data path: admin may run anything on it",
    subjects: { users: ["admin"] },
    resources: { connections: [CONNECTION] },
    rules: [
      { id: "everything", match: { sql: { statements: RULE_STATEMENT_KINDS } }, action: "allow" },
    ],
  };
}

/** Undefined when the build is there; otherwise what is missing and how to fix it. */
export function missingBuild() {
  const missing = [entries.controlPlane, entries.connector, entries.cliDist].filter(
    (f) => !existsSync(f),
  );
  if (missing.length === 0) return undefined;
  return `not built (${missing.map((f) => path.relative(repoRoot, f)).join(", ")} missing): run \`pnpm build\` at the repo root first`;
}

const newApiKey = () =>
  `alk_key_${randomBytes(6).toString("hex")}_${randomBytes(32).toString("base64url")}`;

/** A JSON body, or `{ yaml }` sent as application/yaml. */
async function api(baseUrl, key, method, route, body) {
  const yaml = typeof body?.yaml === "string";
  const res = await fetch(`${baseUrl}/api/v1${route}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body ? { "content-type": yaml ? "application/yaml" : "application/json" } : {}),
    },
    body: body ? (yaml ? body.yaml : JSON.stringify(body)) : undefined,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** `profile`: true (every process) or a list of roles ("control-plane", "connector", "cli-connect"). */
function nodeArgs(profile, role, profileDir) {
  const roles = ["control-plane", "connector", "cli-connect"];
  const own = roles.find((r) => role.endsWith(`-${r}`));
  if (!profile || (Array.isArray(profile) && !profile.includes(own))) return [];
  mkdirSync(profileDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return [
    "--cpu-prof",
    "--cpu-prof-dir",
    profileDir,
    "--cpu-prof-name",
    `${role}-${stamp}.cpuprofile`,
  ];
}

/** Logs of every process started so far, for an error message. */
function tails(daemons) {
  return daemons.map((d) => `--- ${d.name} (${d.logPath}) ---\n${d.tail(15)}`).join("\n");
}

/** The policy of the path, through the API (PUT /api/v1/policies/<name>). */
async function applyPolicy(baseUrl, key, policy) {
  const [name, body] =
    policy === "demo"
      ? ["demo-engineers", { yaml: readFileSync(DEMO_POLICY, "utf8") }]
      : ["bench-allow-all", { document: permissivePolicy() }];
  const res = await api(baseUrl, key, "PUT", `/policies/${name}`, body);
  if (res.status !== 200) {
    throw new Error(`PUT /api/v1/policies/${name} → ${res.status}: ${res.text.slice(0, 300)}`);
  }
  return { name, version: res.json.version };
}

/**
 * Airlock with AIRLOCK_AUDIT_COMMIT=`auditCommit` and the `policy` ("permissive" or
 * "demo"), on its own store database. `database` is the target database of the bench
 * connection; `controlPlaneEnv` adds to the control plane's environment (e.g.
 * AIRLOCK_MASK_VERIFY). The result's `api(method, route, body)` calls the REST API as admin.
 */
export async function startAirlock({
  tmpDir,
  logDir,
  profile,
  profileDir,
  say,
  auditCommit = "sync",
  policy = "permissive",
  name = `${auditCommit === "sync" ? "airlock" : `airlock-${auditCommit}`}${policy === "demo" ? "-demo-policy" : ""}`,
  storeDb = STORE_DB,
  database = BENCH_DB,
  controlPlaneEnv = {},
}) {
  const notBuilt = missingBuild();
  if (notBuilt) throw new Error(notBuilt);

  const daemons = [];
  const stopAll = async () => {
    // The CLI first, then the connector (it drains), then the control plane.
    for (const d of [...daemons].reverse()) await d.stop();
  };
  try {
    const adminKey = newApiKey();
    const httpPort = await freePort();
    const grpcPort = await freePort();
    const baseUrl = `http://127.0.0.1:${httpPort}`;
    const basePath = { PATH: process.env.PATH ?? "", HOME: tmpDir };

    const cp = new Daemon(
      "control-plane",
      process.execPath,
      [...nodeArgs(profile, `${name}-control-plane`, profileDir), entries.controlPlane],
      {
        cwd: repoRoot,
        logPath: path.join(logDir, `${name}-control-plane.log`),
        env: {
          ...basePath,
          DATABASE_URL: urlFor(storeDb),
          AIRLOCK_AUDIT_COMMIT: auditCommit,
          REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
          AIRLOCK_HTTP_PORT: String(httpPort),
          AIRLOCK_GRPC_PORT: String(grpcPort),
          AIRLOCK_MASTER_KEY: randomBytes(32).toString("base64"),
          AIRLOCK_BOOTSTRAP_ADMIN_KEY: adminKey,
          AIRLOCK_GRPC_INSECURE: "true",
          ...controlPlaneEnv,
        },
      },
    );
    daemons.push(cp);
    await waitFor(
      "the control plane (GET /readyz)",
      async () => {
        if (!cp.running) {
          const err = new Error(`control plane exited:\n${cp.tail()}`);
          err.fatal = true;
          throw err;
        }
        const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
        return res.ok;
      },
      60_000,
      200,
    );
    say(`control plane ready (pid ${cp.pid}, http ${httpPort}, grpc ${grpcPort})`);

    const created = await api(baseUrl, adminKey, "POST", "/connectors", { name: CONNECTOR });
    if (created.status !== 201 || !created.json?.token) {
      throw new Error(`POST /api/v1/connectors → ${created.status}: ${created.text.slice(0, 300)}`);
    }
    const connector = new Daemon(
      "connector",
      process.execPath,
      [...nodeArgs(profile, `${name}-connector`, profileDir), entries.connector],
      {
        cwd: repoRoot,
        logPath: path.join(logDir, `${name}-connector.log`),
        env: {
          ...basePath,
          AIRLOCK_CONTROL_PLANE: `127.0.0.1:${grpcPort}`,
          AIRLOCK_CONNECTOR_TOKEN: created.json.token,
          AIRLOCK_INSECURE: "true",
          AIRLOCK_DRAIN_TIMEOUT_MS: "5000",
        },
      },
    );
    daemons.push(connector);
    await waitFor(
      "the connector to come online",
      async () => {
        if (!connector.running) {
          const err = new Error(`connector exited:\n${connector.tail()}`);
          err.fatal = true;
          throw err;
        }
        const res = await api(baseUrl, adminKey, "GET", `/connectors/${CONNECTOR}`);
        return res.json?.status === "online";
      },
      30_000,
      200,
    );
    say(`connector online (pid ${connector.pid})`);

    const connection = {
      name: CONNECTION,
      type: "postgres",
      connector: CONNECTOR,
      host: pgHost,
      port: pgPort,
      database,
      username: pgUser,
      credential: { source: "none" },
      tags: { env: "demo" },
    };
    // No TLS on the connector → Postgres hop, like PGSSLMODE=disable on every other path.
    let res = await api(baseUrl, adminKey, "POST", "/connections", {
      ...connection,
      options: { sslmode: "disable" },
    });
    if (res.status === 400) res = await api(baseUrl, adminKey, "POST", "/connections", connection);
    if (res.status !== 201) {
      throw new Error(`POST /api/v1/connections → ${res.status}: ${res.text.slice(0, 300)}`);
    }
    const applied = await applyPolicy(baseUrl, adminKey, policy);
    say(`policy ${applied.name} applied (version ${applied.version})`);

    const cliEnv = {
      ...basePath,
      AIRLOCK_CONFIG: path.join(tmpDir, `${name}-cli-config.json`),
      // The gRPC port is not the default 8090, and it is plaintext on loopback.
      AIRLOCK_GRPC_ADDRESS: `127.0.0.1:${grpcPort}`,
      AIRLOCK_GRPC_INSECURE: "true",
    };
    const login = await runCommand(
      process.execPath,
      [entries.cli, "login", "--api-key", "-", "--url", baseUrl],
      { env: cliEnv, input: adminKey, timeoutMs: 30_000 },
    );
    if (login.code !== 0) throw new Error(`airlock login failed: ${login.stderr || login.stdout}`);

    const port = await freePort();
    const cli = new Daemon(
      "cli-connect",
      process.execPath,
      [
        ...nodeArgs(profile, `${name}-cli-connect`, profileDir),
        entries.cli,
        "connect",
        CONNECTION,
        "--port",
        String(port),
      ],
      { cwd: repoRoot, logPath: path.join(logDir, `${name}-cli-connect.log`), env: cliEnv },
    );
    daemons.push(cli);
    await cli.waitForLog(new RegExp(`Listening on 127\\.0\\.0\\.1:${port}`), 30_000);
    say(`airlock connect listening on 127.0.0.1:${port} (pid ${cli.pid})`);

    const smoke = await runCommand(
      pgBin("psql"),
      [
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        "-U",
        pgUser,
        "-d",
        database,
        "-X",
        "-Atc",
        "SELECT 1",
      ],
      { env: libpqEnv(), timeoutMs: 30_000 },
    );
    if (smoke.code !== 0 || smoke.stdout.trim() !== "1") {
      throw new Error(
        `psql through airlock connect failed (exit ${smoke.code}${smoke.timedOut ? ", timed out" : ""}): ${(smoke.stderr || smoke.stdout).trim()}`,
      );
    }

    return {
      name,
      label: [
        "Airlock",
        ...(auditCommit === "sync" ? [] : [`${auditCommit} audit commit`]),
        ...(policy === "demo" ? ["demo policy"] : []),
      ].join(", "),
      host: "127.0.0.1",
      port,
      processes: [
        { role: "control-plane", pid: cp.pid },
        { role: "connector", pid: connector.pid },
        { role: "cli-connect", pid: cli.pid },
      ],
      notes: profile ? [`CPU profiles in ${path.relative(repoRoot, profileDir)}/`] : [],
      stop: stopAll,
      api: (method, route, body) => api(baseUrl, adminKey, method, route, body),
    };
  } catch (err) {
    const detail = daemons.length > 0 ? `\n${tails(daemons)}` : "";
    await stopAll();
    err.message = `${err.message}${detail}`;
    throw err;
  }
}
