// Cross-process test harness: starts the real, built control plane and connector
// (`dist/`) against a database made for the test file, and drives the real CLI.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export const repoRoot = path.resolve(__dirname, "../..");

const entries = {
  controlPlane: path.join(repoRoot, "apps/control-plane/dist/main.js"),
  connector: path.join(repoRoot, "apps/connector/dist/main.js"),
  cli: path.join(repoRoot, "apps/cli/bin/airlock.js"),
} as const;

export function newApiKey(): string {
  return `alk_key_${randomBytes(6).toString("hex")}_${randomBytes(32).toString("base64url")}`;
}

export function newMasterKey(): string {
  return randomBytes(32).toString("base64");
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("no port");
      server.close(() => resolve(address.port));
    });
  });
}

export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running process of ours, with everything it printed. */
export class Proc {
  private out = "";
  readonly exited: Promise<Exit>;
  private exitInfo: Exit | undefined;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const append = (chunk: Buffer) => {
      this.out += chunk.toString("utf8");
    };
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  get output(): string {
    return this.out;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  async waitForOutput(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
    await waitUntil(
      `${this.name} to print ${pattern}`,
      () => {
        if (pattern.test(this.out)) return true;
        if (!this.running)
          throw new Error(`${this.name} exited: ${JSON.stringify(this.exitInfo)}\n${this.out}`);
        return false;
      },
      timeoutMs,
    );
  }

  /** Sends a signal and waits for the exit; SIGKILLs after `timeoutMs`. */
  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 15_000): Promise<Exit> {
    if (!this.running) return this.exitInfo!;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

function launch(name: string, entry: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [entry], {
    cwd: repoRoot,
    // Only what the test sets, plus PATH: no developer environment leaks in.
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Proc(name, child);
}

export interface ControlPlaneOptions {
  databaseUrl: string;
  adminKey?: string;
  masterKey?: string;
  httpPort?: number;
  grpcPort?: number;
  env?: Record<string, string>;
}

export class ControlPlane {
  private constructor(
    readonly proc: Proc,
    readonly options: Required<Omit<ControlPlaneOptions, "env">> & { env: Record<string, string> },
  ) {}

  static async start(options: ControlPlaneOptions): Promise<ControlPlane> {
    const full = {
      databaseUrl: options.databaseUrl,
      adminKey: options.adminKey ?? newApiKey(),
      masterKey: options.masterKey ?? newMasterKey(),
      httpPort: options.httpPort ?? (await freePort()),
      grpcPort: options.grpcPort ?? (await freePort()),
      // Each control plane gets its own Redis key prefix (BullMQ queues, pub/sub) unless
      // the test shares one between replicas.
      env: { AIRLOCK_REDIS_PREFIX: `t-${randomBytes(4).toString("hex")}`, ...options.env },
    };
    const cp = new ControlPlane(ControlPlane.spawn(full), full);
    await cp.waitReady();
    return cp;
  }

  private static spawn(o: ControlPlane["options"]): Proc {
    return launch("control-plane", entries.controlPlane, {
      DATABASE_URL: o.databaseUrl,
      REDIS_URL: "redis://127.0.0.1:6379",
      AIRLOCK_HTTP_PORT: String(o.httpPort),
      AIRLOCK_GRPC_PORT: String(o.grpcPort),
      AIRLOCK_MASTER_KEY: o.masterKey,
      AIRLOCK_BOOTSTRAP_ADMIN_KEY: o.adminKey,
      AIRLOCK_GRPC_INSECURE: "true",
      AIRLOCK_HEARTBEAT_INTERVAL_MS: "1000",
      ...o.env,
    });
  }

  /** Starts a new process with the same settings (after a crash or a stop). */
  async restart(): Promise<void> {
    if (this.proc.running) throw new Error("control plane still running");
    (this as { proc: Proc }).proc = ControlPlane.spawn(this.options);
    await this.waitReady();
  }

  async waitReady(): Promise<void> {
    await waitUntil(
      "control plane /readyz",
      async () => {
        if (!this.proc.running) throw new Error(`control plane exited:\n${this.proc.output}`);
        const res = await fetch(`${this.httpUrl}/readyz`);
        return res.status === 200;
      },
      30_000,
    );
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.options.httpPort}`;
  }

  get grpcAddress(): string {
    return `127.0.0.1:${this.options.grpcPort}`;
  }

  api(key: string | null = this.options.adminKey): Api {
    return new Api(this.httpUrl, key ?? undefined);
  }
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  text: string;
}

export class Api {
  constructor(
    readonly baseUrl: string,
    readonly key: string | undefined,
  ) {}

  async request<T = any>(
    method: string,
    route: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const res = await fetch(`${this.baseUrl}${route}`, {
      method,
      headers: {
        ...(this.key ? { authorization: `Bearer ${this.key}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed as T, text };
  }

  get<T = any>(route: string) {
    return this.request<T>("GET", route);
  }
  post<T = any>(route: string, body?: unknown) {
    return this.request<T>("POST", route, body ?? {});
  }
  patch<T = any>(route: string, body: unknown) {
    return this.request<T>("PATCH", route, body);
  }
  delete<T = any>(route: string) {
    return this.request<T>("DELETE", route);
  }
}

export function startConnector(
  grpcAddress: string,
  token: string,
  env: Record<string, string> = {},
): Proc {
  return launch("connector", entries.connector, {
    AIRLOCK_CONTROL_PLANE: grpcAddress,
    AIRLOCK_CONNECTOR_TOKEN: token,
    AIRLOCK_INSECURE: "true",
    AIRLOCK_RECONNECT_BASE_MS: "100",
    AIRLOCK_RECONNECT_MAX_MS: "2000",
    ...env,
  });
}

export function startControlPlaneRaw(env: Record<string, string>): Proc {
  return launch("control-plane", entries.controlPlane, env);
}

export function startConnectorRaw(env: Record<string, string>): Proc {
  return launch("connector", entries.connector, env);
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `airlock` CLI with its own config file. */
export class Cli {
  readonly configPath: string;

  constructor(readonly env: Record<string, string> = {}) {
    this.configPath = path.join(mkdtempSync(path.join(tmpdir(), "airlock-cli-")), "config.json");
  }

  private get processEnv(): Record<string, string> {
    return {
      PATH: process.env["PATH"] ?? "",
      HOME: tmpdir(),
      AIRLOCK_CONFIG: this.configPath,
      ...this.env,
    };
  }

  /** Starts a long-running command (e.g. `connect`). */
  spawn(args: string[]): Proc {
    const child = spawn(process.execPath, [entries.cli, ...args], {
      cwd: repoRoot,
      env: this.processEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    return new Proc(`airlock ${args[0] ?? ""}`, child);
  }

  run(args: string[], input?: string): CliResult {
    const res = spawnSync(process.execPath, [entries.cli, ...args], {
      cwd: repoRoot,
      env: this.processEnv,
      input,
      encoding: "utf8",
      timeout: 30_000,
    });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr };
  }
}
