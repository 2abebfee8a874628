// OIDC login through the real `airlock` CLI, and deprovisioning reaching an open psql
// session: `airlock login --no-browser` (device code) and the browser login (loopback
// callback) end to end, then the IdP forgets the user and their live session ends with a
// clear message, well within a minute. docs/design/0009-oidc-login.md.
import { spawn } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBrowser } from "../support/browser";
import { startTestIdp, type IdpAccount, type TestIdp } from "../support/oidc-idp";
import { Gateway } from "./gateway";
import { Cli, freePort, type Proc } from "./harness";

const CLIENT = { clientId: "airlock", clientSecret: "a-client-secret-for-the-test-idp" };

const carol: IdpAccount = {
  sub: "idp-carol",
  password: "carol-pw",
  claims: { preferred_username: "carol", email: "carol@example.test", groups: ["eng-db"] },
};
const dave: IdpAccount = {
  sub: "idp-dave",
  password: "dave-pw",
  claims: { preferred_username: "dave", email: "dave@example.test", groups: ["eng-db"] },
};

let idp: TestIdp;
let gw: Gateway;
const procs: Proc[] = [];

beforeAll(async () => {
  const httpPort = await freePort();
  idp = await startTestIdp({
    clients: [{ ...CLIENT, redirectUris: [`http://127.0.0.1:${httpPort}/auth/callback`] }],
    accounts: [carol, dave],
  });
  gw = await Gateway.start({
    httpPort,
    controlPlaneEnv: {
      AIRLOCK_OIDC_ISSUER: idp.issuer,
      AIRLOCK_OIDC_CLIENT_ID: CLIENT.clientId,
      AIRLOCK_OIDC_CLIENT_SECRET: CLIENT.clientSecret,
      // Fast, so the test does not wait the default 30 s + 10 s.
      AIRLOCK_OIDC_RECHECK_SECONDS: "1",
      AIRLOCK_IDENTITY_SWEEP_MS: "300",
    },
  });
  await gw.applyPolicy({
    name: "engineers-read",
    description: "engineers may read the demo connection",
    subjects: { groups: ["eng-db"] },
    resources: { connections: ["demo"] },
    rules: [{ id: "reads", match: { sql: { statements: ["select"] } }, action: "allow" }],
  });
}, 120_000);

afterAll(async () => {
  for (const proc of procs) await proc.stop("SIGTERM", 5_000);
  await gw?.stop();
  await idp?.stop();
});

const loginArgs = () => ["--url", gw.cp.httpUrl, "--grpc-address", gw.cp.grpcAddress];

/** Waits for `pattern` in the process's output and returns the match. */
async function match(proc: Proc, pattern: RegExp): Promise<RegExpExecArray> {
  await proc.waitForOutput(pattern, 20_000);
  return pattern.exec(proc.output) as RegExpExecArray;
}

/** `airlock login --no-browser`, with the test as the person at the browser. */
async function deviceLogin(cli: Cli, who: IdpAccount): Promise<Proc> {
  const login = cli.spawn(["login", "--no-browser", ...loginArgs()]);
  procs.push(login);
  const [, code] = await match(login, /enter the code ([A-Z]{4}-[A-Z]{4})/);
  const [url] = await match(login, /http:\/\/\S+\/auth\/login\?user_code=\S+/);
  expect(url).toContain(encodeURIComponent(code as string));
  const browser = new TestBrowser();
  const form = await browser.open(url);
  const done = await browser.submit(form, { login: who.sub, password: who.password });
  expect(done.status, done.body).toBe(200);
  expect(done.body).toContain("Return to your terminal");
  const exit = await login.exited;
  expect(exit.code, login.output).toBe(0);
  return login;
}

describe("airlock login through the IdP, end to end", () => {
  it("--no-browser: prints a URL and a code, polls, stores tokens 0600; whoami shows the identity", async () => {
    const cli = new Cli();
    const login = await deviceLogin(cli, carol);
    expect(login.output).toMatch(/Logged in to http:\/\/127\.0\.0\.1:\d+ as carol \(user, human\)/);

    const stat = statSync(cli.configPath);
    expect(stat.mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(cli.configPath, "utf8"));
    const profile = stored.profiles[stored.current];
    expect(profile.refreshToken).toMatch(/^alk_rt_/);
    expect(profile.accessToken.split(".")).toHaveLength(3);
    expect(profile.apiKey).toBeUndefined();

    const who = cli.run(["whoami", "-o", "json"]);
    expect(who.status, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({
      user: { name: "carol", kind: "human", role: "user", email: "carol@example.test" },
      groups: ["eng-db"],
      authMethod: "oidc",
      policies: ["engineers-read"],
    });
    const text = cli.run(["whoami"]);
    expect(text.stdout).toMatch(/carol/);
    expect(text.stdout).toMatch(/eng-db/);

    const exec = cli.run(["exec", "demo", "-c", "select 40 + 2 as answer"]);
    expect(exec.status, exec.stderr).toBe(0);
    expect(exec.stdout).toMatch(/\b42\b/);
  });

  it("browser login: the CLI's loopback callback receives the code and finishes the login", async () => {
    const cli = new Cli({ AIRLOCK_BROWSER: "none" });
    const login = cli.spawn(["login", ...loginArgs()]);
    procs.push(login);
    const [url] = await match(login, /http:\/\/\S+\/auth\/login\?\S+/);
    const start = new URL(url);
    const redirect = new URL(start.searchParams.get("redirect_uri") as string);
    expect(redirect.hostname).toBe("127.0.0.1");
    expect(start.searchParams.get("code_challenge_method")).toBe("S256");
    const browser = new TestBrowser();
    const form = await browser.open(url);
    const page = await browser.submit(form, { login: dave.sub, password: dave.password });
    // The last hop was the CLI's own loopback server, which answers the browser.
    expect(browser.visits.at(-1)).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${redirect.port}/callback\\?`),
    );
    expect(page.status).toBe(200);
    const exit = await login.exited;
    expect(exit.code, login.output).toBe(0);
    expect(login.output).toMatch(/as dave \(user, human\)/);
    expect(cli.run(["whoami"]).status).toBe(0);
  });

  it("logout revokes the login on the server: the stored tokens no longer work anywhere", async () => {
    const cli = new Cli();
    await deviceLogin(cli, dave);
    const before = JSON.parse(readFileSync(cli.configPath, "utf8"));
    const { accessToken, refreshToken } = before.profiles[before.current];
    const out = cli.run(["logout"]);
    expect(out.status, out.stderr).toBe(0);
    const after = JSON.parse(readFileSync(cli.configPath, "utf8"));
    expect(after.profiles[after.current].refreshToken).toBeUndefined();
    const rest = await gw.cp.api(accessToken as string).get("/api/v1/identity/whoami");
    expect(rest.status).toBe(401);
    expect(rest.body.error.message).toMatch(/logged out/);
    const refresh = await fetch(`${gw.cp.httpUrl}/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "refresh_token", refresh_token: refreshToken }),
    });
    expect(((await refresh.json()) as { error: string }).error).toBe("invalid_grant");
  });
});

describe("deprovisioning reaches a live session", () => {
  it("the IdP forgets the user: their open psql session ends with a clear message, and the CLI says to log in again", async () => {
    const cli = new Cli();
    await deviceLogin(cli, carol);
    const port = await freePort();
    const connect = cli.spawn(["connect", "demo", "--port", String(port)]);
    procs.push(connect);
    await connect.waitForOutput(/Listening on 127\.0\.0\.1:\d+/);
    const psql = spawn(
      "psql",
      [`host=127.0.0.1 port=${port} user=carol dbname=demo sslmode=disable`, "-X", "-At"],
      { env: { PATH: process.env["PATH"] ?? "" }, stdio: ["pipe", "pipe", "pipe"] },
    );
    let out = "";
    psql.stdout.on("data", (d: Buffer) => (out += d.toString()));
    psql.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => psql.once("exit", resolve));
    psql.stdin.write("select 'still' || 'here';\n");
    for (let i = 0; i < 100 && !out.includes("stillhere"); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain("stillhere");

    const removedAt = Date.now();
    idp.removeAccount(carol.sub);
    const latest = () =>
      gw.store_(
        "SELECT s.close_code, s.close_reason FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.name = 'carol' ORDER BY s.started_at DESC LIMIT 1",
      );
    for (let i = 0; i < 300 && (await latest())[0]?.close_code == null; i++)
      await new Promise((r) => setTimeout(r, 100));
    const endedAfterMs = Date.now() - removedAt;
    expect((await latest())[0]).toMatchObject({ close_code: "unauthenticated" });
    expect((await latest())[0]?.close_reason).toMatch(
      /^identity revoked: your login was revoked \(the identity provider no longer accepts it: .+\); run airlock login$/,
    );
    expect(endedAfterMs).toBeLessThan(60_000);

    psql.stdin.write("select 'after' || 'wards';\n");
    psql.stdin.end();
    await exited;
    expect(out).toContain("Airlock ended this session: your login was revoked");
    expect(out).not.toContain("afterwards");

    // The revocation is audited, and the CLI's next command says what happened.
    const audited = await gw.store_(
      "SELECT actor_name, data FROM audit_events WHERE code = 'auth.idp_revoked'",
    );
    expect(audited.map((a) => a.actor_name)).toContain("carol");
    const who = cli.run(["whoami"]);
    expect(who.status).not.toBe(0);
    expect(who.stderr).toMatch(/airlock login/);
    await connect.stop("SIGTERM", 5_000);
  });

  it("an admin disabling the user ends their open session too", async () => {
    const cli = new Cli();
    await deviceLogin(cli, dave);
    const port = await freePort();
    const connect = cli.spawn(["connect", "demo", "--port", String(port)]);
    procs.push(connect);
    await connect.waitForOutput(/Listening on 127\.0\.0\.1:\d+/);
    const client = new pg.Client({ host: "127.0.0.1", port, user: "dave", database: "demo" });
    const ended = new Promise<string>((resolve) => client.once("error", (e) => resolve(e.message)));
    await client.connect();
    expect((await client.query("select 1 as one")).rows).toEqual([{ one: 1 }]);
    expect((await gw.cp.api().patch("/api/v1/users/dave", { disabled: true })).status).toBe(200);
    try {
      expect(await ended).toBe(
        "Airlock ended this session: your Airlock user was disabled by an admin",
      );
    } finally {
      await client.end().catch(() => undefined);
      expect((await gw.cp.api().patch("/api/v1/users/dave", { disabled: false })).status).toBe(200);
      await connect.stop("SIGTERM", 5_000);
    }
  });

  it("the CLI refreshes an expired access token by itself, rotating both tokens in its file", async () => {
    const cli = new Cli();
    await deviceLogin(cli, dave);
    const before = JSON.parse(readFileSync(cli.configPath, "utf8"));
    const profile = before.profiles[before.current];
    profile.accessTokenExpiresAt = new Date(Date.now() - 1000).toISOString();
    writeFileSync(cli.configPath, JSON.stringify(before), { mode: 0o600 });
    const who = cli.run(["whoami", "-o", "json"]);
    expect(who.status, who.stderr).toBe(0);
    const after = JSON.parse(readFileSync(cli.configPath, "utf8")).profiles[before.current];
    expect(after.refreshToken).not.toBe(profile.refreshToken);
    expect(after.accessToken).not.toBe(profile.accessToken);
    expect(Date.parse(after.accessTokenExpiresAt)).toBeGreaterThan(Date.now() + 800_000);
    // The old refresh token is spent: using it again would revoke the whole login.
    const rows = await gw.store_(
      "SELECT count(*)::int AS used FROM refresh_tokens r JOIN login_sessions l ON l.id = r.login_session_id JOIN users u ON u.id = l.user_id WHERE u.name = 'dave' AND r.used_at IS NOT NULL AND l.revoked_at IS NULL",
    );
    expect(rows[0]?.used).toBe(1);
  });

  it("a user still known to the IdP keeps their login through the rechecks", async () => {
    const cli = new Cli();
    await deviceLogin(cli, dave);
    // Several recheck runs (every second) refresh dave's IdP token without revoking anything.
    await new Promise((r) => setTimeout(r, 3_500));
    const checked = await gw.store_(
      "SELECT l.revoked_at, l.idp_checked_at > l.created_at AS rechecked FROM login_sessions l JOIN users u ON u.id = l.user_id WHERE u.name = 'dave' ORDER BY l.created_at DESC LIMIT 1",
    );
    expect(checked[0]).toMatchObject({ revoked_at: null, rechecked: true });
    expect(cli.run(["whoami"]).status).toBe(0);
  });
});
