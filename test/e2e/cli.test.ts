// The real `airlock` CLI against a real control plane and connector.
import { statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/db";
import { Cli, ControlPlane, Proc, startConnector, waitUntil } from "./harness";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: ControlPlane;
let cli: Cli;
let connectorProc: Proc | undefined;
const password = "Cli-Target-Password-42";

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await ControlPlane.start({ databaseUrl: db.url });
  cli = new Cli();
});

afterAll(async () => {
  await connectorProc?.stop("SIGKILL");
  await cp?.proc.stop("SIGKILL");
  await db?.drop();
});

describe("airlock CLI", () => {
  it("explains how to log in when it has no credentials", () => {
    const res = cli.run(["admin", "connectors", "list"]);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/airlock login/);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("refuses a wrong key at login, readably", () => {
    const res = cli.run(
      ["login", "--api-key", "-", "--url", cp.httpUrl],
      `alk_key_${"1".repeat(12)}_${"x".repeat(43)}`,
    );
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/refused|invalid|unauthenticated/i);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it("logs in with an API key from stdin and stores it with 0600 permissions", () => {
    const res = cli.run(["login", "--api-key", "-", "--url", cp.httpUrl], cp.options.adminKey);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/Logged in .* as admin/);
    expect(statSync(cli.configPath).mode & 0o777).toBe(0o600);
    const who = cli.run(["whoami"]);
    expect(who.status).toBe(0);
    expect(who.stdout).toMatch(/admin/);
  });

  it("creates a connector, which then shows online in the list", async () => {
    const created = cli.run(["admin", "connectors", "create", "edge-1", "--output", "json"]);
    expect(created.status).toBe(0);
    const token = /alk_ctr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/.exec(created.stdout)?.[0];
    expect(token).toBeDefined();
    connectorProc = startConnector(cp.grpcAddress, token!);
    await waitUntil("edge-1 online", () =>
      /edge-1\s+online/.test(cli.run(["admin", "connectors", "list"]).stdout),
    );

    const json = cli.run(["admin", "connectors", "get", "edge-1", "--output", "json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: "edge-1", status: "online" });
  });

  it("creates a connection with the password from stdin and never prints it", () => {
    const created = cli.run(
      [
        "admin",
        "connections",
        "create",
        "--name",
        "warehouse",
        "--type",
        "postgres",
        "--connector",
        "edge-1",
        "--host",
        "127.0.0.1",
        "--port",
        "5432",
        "--database",
        "warehouse",
        "--username",
        "analyst",
        "--tag",
        "env=prod",
        "--password-stdin",
      ],
      password,
    );
    expect(created.status).toBe(0);
    const list = cli.run(["admin", "connections", "list"]);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/warehouse/);
    expect(list.stdout).toMatch(/edge-1/);
    expect(list.stdout).toMatch(/stored/);
    const json = cli.run(["admin", "connections", "get", "warehouse", "--output", "json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      name: "warehouse",
      credential: { source: "stored" },
    });
    for (const out of [created.stdout, created.stderr, list.stdout, json.stdout])
      expect(out).not.toContain(password);
  });

  it("updates and deletes a connection", () => {
    expect(cli.run(["admin", "connections", "update", "warehouse", "--port", "6543"]).status).toBe(
      0,
    );
    const json = cli.run(["admin", "connections", "get", "warehouse", "--output", "json"]);
    expect(JSON.parse(json.stdout).port).toBe(6543);
    expect(cli.run(["admin", "connections", "delete", "warehouse"]).status).toBe(0);
    const gone = cli.run(["admin", "connections", "get", "warehouse"]);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toMatch(/warehouse/);
    expect(gone.stderr).toMatch(/no connection "warehouse"|not found/i);
  });

  it("reports a validation error with the field, not a stack trace", () => {
    const res = cli.run([
      "admin",
      "connections",
      "create",
      "--name",
      "bad",
      "--type",
      "postgres",
      "--connector",
      "edge-1",
      "--host",
      "h",
      "--port",
      "99999",
      "--no-credential",
    ]);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/port/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it("says clearly when the control plane cannot be reached", () => {
    const offline = new Cli({
      AIRLOCK_URL: "http://127.0.0.1:1",
      AIRLOCK_API_KEY: cp.options.adminKey,
    });
    const res = offline.run(["admin", "connectors", "list"]);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/cannot reach the control plane/);
  });

  it("has --help on every command", () => {
    for (const args of [
      [],
      ["login"],
      ["whoami"],
      ["admin"],
      ["admin", "connectors"],
      ["admin", "connectors", "create"],
      ["admin", "connections"],
      ["admin", "connections", "create"],
    ]) {
      const res = cli.run([...args, "--help"]);
      expect(res.status, args.join(" ")).toBe(0);
      expect(res.stdout).toMatch(/Usage: airlock/);
    }
  });

  it("never lets the target password reach a log line", () => {
    expect(cp.proc.output).not.toContain(password);
    expect(connectorProc?.output ?? "").not.toContain(password);
  });
});
