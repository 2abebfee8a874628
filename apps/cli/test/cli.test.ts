import { createServer } from "node:net";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run, tempDir } from "./helpers";

/** A TCP port nothing listens on: bound once by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

const COMMANDS = [
  [],
  ["login"],
  ["logout"],
  ["whoami"],
  ["connect"],
  ["exec"],
  ["sessions"],
  ["sessions", "list"],
  ["sessions", "show"],
  ["admin"],
  ["admin", "connectors"],
  ["admin", "connectors", "list"],
  ["admin", "connectors", "create"],
  ["admin", "connectors", "get"],
  ["admin", "connectors", "delete"],
  ["admin", "connectors", "token"],
  ["admin", "connectors", "token", "create"],
  ["admin", "connectors", "token", "list"],
  ["admin", "connectors", "token", "revoke"],
  ["admin", "connections"],
  ["admin", "connections", "list"],
  ["admin", "connections", "get"],
  ["admin", "connections", "create"],
  ["admin", "connections", "update"],
  ["admin", "connections", "delete"],
  ["policy"],
  ["policy", "apply"],
  ["policy", "list"],
  ["policy", "show"],
  ["policy", "versions"],
  ["policy", "delete"],
  ["policy", "test"],
];

describe("airlock command line", () => {
  let dir: string;
  let cleanup: () => void;
  let env: Record<string, string>;
  let configPath: string;

  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    configPath = join(dir, "airlock", "config.json");
    env = { HOME: dir, XDG_CONFIG_HOME: dir };
  });
  afterEach(() => cleanup());

  it.each(COMMANDS.map((c) => [c.join(" ") || "(root)", c]))(
    "%s --help exits 0",
    async (_name, command) => {
      const result = await run([...command, "--help"], env);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Usage: airlock/);
    },
  );

  it("lists the command groups and the environment variables in the root help", async () => {
    const { stdout } = await run(["--help"], env);
    for (const word of [
      "login",
      "logout",
      "whoami",
      "connect",
      "exec",
      "sessions",
      "admin",
      "AIRLOCK_GRPC_ADDRESS",
      "AIRLOCK_URL",
      "AIRLOCK_API_KEY",
      "--profile",
    ]) {
      expect(stdout).toContain(word);
    }
  });

  it("prints its version", async () => {
    expect(await run(["--version"], env)).toEqual({ code: 0, stdout: "0.0.0-test\n", stderr: "" });
  });

  it("exits 2 on usage errors", async () => {
    expect((await run(["whoami", "--bogus"], env)).code).toBe(2);
    expect((await run(["admin"], env)).code).toBe(2);
    expect((await run(["admin", "connections", "create", "--name", "x"], env)).code).toBe(2);
    expect((await run(["admin", "connectors", "list", "-o", "yaml"], env)).code).toBe(2);
  });

  it("refuses a password given on the command line before doing anything", async () => {
    const result = await run(
      [
        "admin",
        "connections",
        "create",
        "--name",
        "x",
        "--connector",
        "c",
        "--host",
        "h",
        "--password",
        "pw",
      ],
      env,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: --password is not accepted/);
    expect(result.stderr).not.toContain("pw\n");
  });

  it("names a missing --password-from-env variable", async () => {
    const result = await run(
      [
        "admin",
        "connections",
        "create",
        "--name",
        "x",
        "--connector",
        "c",
        "--host",
        "h",
        "--password-from-env",
        "NOPE",
      ],
      env,
    );
    expect(result).toMatchObject({ code: 2 });
    expect(result.stderr).toContain("the environment variable NOPE is not set or empty");
  });

  it("tells a user who is not logged in how to log in", async () => {
    const result = await run(["whoami"], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: not logged in (no profile "default" in ${configPath}); run: airlock login (single sign-on), ` +
        "or airlock login --api-key - (an API key on stdin), or set AIRLOCK_API_KEY\n",
    );
  });

  it("reports an unreachable control plane in one line", async () => {
    const port = await closedPort();
    const result = await run(["admin", "connectors", "list"], {
      ...env,
      AIRLOCK_URL: `http://127.0.0.1:${port}`,
      AIRLOCK_API_KEY: "alk_key_0123456789ab_x",
    });
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: cannot reach the control plane at http://127.0.0.1:${port} (ECONNREFUSED); is it running? start it with npm run demo\n`,
    });
  });

  it("saves nothing when login cannot check the key", async () => {
    const port = await closedPort();
    const result = await run(
      ["login", "--api-key", "-", "--url", `http://127.0.0.1:${port}`],
      env,
      {
        stdin: "alk_key_0123456789ab_x\n",
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("cannot reach the control plane");
    expect(existsSync(configPath)).toBe(false);
  });

  it("refuses a connector token as an API key", async () => {
    const result = await run(["login", "--api-key", "alk_ctr_0123456789ab_x"], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "that is a connector token (alk_ctr_…), not an API key (alk_key_…)",
    );
  });

  it("refuses an empty key on stdin", async () => {
    const result = await run(["login", "--api-key", "-"], env, { stdin: "\n" });
    expect(result).toMatchObject({ code: 2 });
    expect(result.stderr).toContain("no API key on stdin");
  });

  it("logs out by removing the key and keeping the URL", async () => {
    mkdirSync(join(dir, "airlock"), { mode: 0o700 });
    writeFileSync(
      configPath,
      JSON.stringify({
        current: "default",
        profiles: { default: { url: "http://h:8080", apiKey: "alk_key_x" } },
      }),
      { mode: 0o600 },
    );
    const result = await run(["logout"], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`removed the API key of profile "default" from ${configPath}`);
    expect(JSON.parse(readFileSync(configPath, "utf8"))).toEqual({
      current: "default",
      profiles: { default: { url: "http://h:8080" } },
    });
    expect(await run(["logout"], env)).toMatchObject({
      code: 0,
      stdout: 'No login or API key is stored for profile "default"; nothing to do.\n',
    });
    expect((await run(["whoami"], env)).stderr).toContain('profile "default" in');
  });

  it("names a corrupt config file", async () => {
    mkdirSync(join(dir, "airlock"), { mode: 0o700 });
    writeFileSync(configPath, "{not json", { mode: 0o600 });
    const result = await run(["whoami"], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`^error: the config file ${configPath} is not valid JSON`),
    );
  });

  it("does not read the config file when AIRLOCK_URL and AIRLOCK_API_KEY are both set", async () => {
    mkdirSync(join(dir, "airlock"), { mode: 0o700 });
    writeFileSync(configPath, "{not json", { mode: 0o600 });
    const port = await closedPort();
    const result = await run(["whoami"], {
      ...env,
      AIRLOCK_URL: `http://127.0.0.1:${port}`,
      AIRLOCK_API_KEY: "alk_key_0123456789ab_x",
    });
    expect(result.stderr).toContain("cannot reach the control plane");
  });

  describe("connect, exec and sessions refuse bad input before any request", () => {
    const loggedIn = () => ({
      ...env,
      AIRLOCK_URL: "http://127.0.0.1:9",
      AIRLOCK_API_KEY: "alk_key_0123456789ab_x",
    });

    it("connect: --port must be 0 to 65535", async () => {
      const result = await run(["connect", "demo", "--port", "70000"], loggedIn());
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("integer from 0 to 65535");
    });

    it("exec: -c and -f together, nothing given at a terminal, or empty SQL", async () => {
      const both = await run(["exec", "demo", "-c", "select 1", "-f", "x.sql"], loggedIn());
      expect(both).toMatchObject({ code: 2, stdout: "" });
      expect(both.stderr).toContain("either -c or -f, not both");

      const tty = await run(["exec", "demo"], loggedIn(), { stdinIsTTY: true });
      expect(tty.code).toBe(2);
      expect(tty.stderr).toContain('give the SQL with -c "…", -f <file>, or on stdin');

      expect((await run(["exec", "demo", "-c", "  "], loggedIn())).stderr).toContain("-c is empty");
      expect((await run(["exec", "demo"], loggedIn(), { stdin: "\n" })).stderr).toContain(
        "no SQL on stdin",
      );
      expect((await run(["exec", "demo", "-o", "yaml", "-c", "select 1"], loggedIn())).code).toBe(
        2,
      );
    });

    it("exec: names an unreadable SQL file", async () => {
      const result = await run(["exec", "demo", "-f", join(dir, "missing.sql")], loggedIn());
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `cannot read the SQL file ${join(dir, "missing.sql")} (ENOENT)`,
      );
    });

    it("exec: reads the SQL file before reaching the control plane", async () => {
      writeFileSync(join(dir, "q.sql"), "select 1");
      const port = await closedPort();
      const result = await run(["exec", "demo", "-f", join(dir, "q.sql")], {
        ...loggedIn(),
        AIRLOCK_URL: `http://127.0.0.1:${port}`,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("cannot reach the control plane");
    });

    it("sessions list: --since and --limit are checked", async () => {
      const since = await run(["sessions", "list", "--since", "yesterday"], loggedIn());
      expect(since.code).toBe(2);
      expect(since.stderr).toContain("--since: expected a duration like 30m");
      const limit = await run(["sessions", "list", "--limit", "0"], loggedIn());
      expect(limit.code).toBe(2);
    });
  });
});
