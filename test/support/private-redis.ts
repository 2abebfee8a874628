// A private Redis server for tests that stop and start Redis (the shared one on
// 127.0.0.1:6379 must keep running for everything else). Like the machine's own, it
// keeps nothing on disk, so a restart loses every key: exactly the case the approvals
// module must survive.
//
//   const redis = await startPrivateRedis();   // in beforeAll
//   await redis.stop(); await redis.start();   // a Redis restart, same port
//   await redis.stop();                         // in afterAll

import { type ChildProcess, spawn } from "node:child_process";
import { createConnection, createServer } from "node:net";

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  readonly running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const redis: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      if (redis.running) return;
      child = spawn(
        process.env["REDIS_SERVER_BIN"] ?? "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        { stdio: "ignore" },
      );
      await waitForPort(port, true);
    },
    async stop() {
      const c = child;
      if (c === undefined || !redis.running) return;
      const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
      c.kill("SIGKILL");
      await exited;
      await waitForPort(port, false);
    },
  };
  await redis.start();
  return redis;
}

async function freePort(): Promise<number> {
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

async function waitForPort(port: number, open: boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const isOpen = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (isOpen === open) return;
    if (Date.now() > deadline)
      throw new Error(`redis on ${port} did not become ${open ? "reachable" : "unreachable"}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
