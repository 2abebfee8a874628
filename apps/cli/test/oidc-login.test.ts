// `airlock login` (single sign-on), the automatic token refresh, `logout` and `whoami`,
// run in process against a fake control plane (fake-auth-server.ts) that speaks the login
// contract of docs/design/0009-oidc-login.md over real HTTP.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { browserCommand } from "../src/auth/browser";
import { pollDeviceToken } from "../src/auth/oidc-login";
import { pkcePair } from "../src/auth/pkce";
import { runCli } from "../src/cli";
import { withFileLock } from "../src/config/file-lock";
import { status as Status } from "@grpc/grpc-js";
import { describeCallFailure } from "../src/gateway/call-failure";
import { LocalGateway } from "../src/gateway/local-gateway";
import type { TokenGrant, TokenResponse } from "../src/http/auth-api";
import { ApiError } from "../src/http/errors";
import {
  ALICE,
  API_KEY,
  FakeControlPlane,
  type FakeOptions,
  s256,
  USER_CODE,
} from "./fake-auth-server";
import { captureContext, run, tempDir } from "./helpers";

interface StoredProfileJson {
  url: string;
  apiKey?: string;
  grpcAddress?: string;
  grpcInsecure?: boolean;
  accessToken?: string;
  accessTokenExpiresAt?: string;
  refreshToken?: string;
}

const REFRESH_TOKEN = /^alk_rt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;

let dir: string;
let cleanup: () => void;
let configPath: string;
let env: Record<string, string>;
let fake: FakeControlPlane;

async function startFake(options: FakeOptions = {}): Promise<FakeControlPlane> {
  fake = await new FakeControlPlane(options).start();
  return fake;
}

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  configPath = join(dir, "airlock", "config.json");
  env = { HOME: dir, XDG_CONFIG_HOME: dir, AIRLOCK_BROWSER: "none" };
});

afterEach(async () => {
  await fake?.stop();
  cleanup();
});

function writeConfig(profiles: Record<string, StoredProfileJson>, current = "default"): void {
  mkdirSync(join(dir, "airlock"), { recursive: true, mode: 0o700 });
  writeFileSync(configPath, JSON.stringify({ current, profiles }), { mode: 0o600 });
}

function readProfile(name = "default"): StoredProfileJson {
  const config = JSON.parse(readFileSync(configPath, "utf8")) as {
    profiles: Record<string, StoredProfileJson>;
  };
  const profile = config.profiles[name];
  if (profile === undefined) throw new Error(`no profile ${name}`);
  return profile;
}

/** A profile logged in at the fake, whose access token expires in `ttlSeconds`. */
function loggedIn(ttlSeconds: number): Required<Omit<StoredProfileJson, "apiKey">> {
  const login = fake.issueLogin(ttlSeconds);
  const profile = {
    url: fake.url,
    grpcAddress: "127.0.0.1:8090",
    grpcInsecure: true,
    accessToken: login.accessToken,
    accessTokenExpiresAt: login.expiresAt,
    refreshToken: login.refreshToken,
  };
  writeConfig({ default: profile });
  return profile;
}

/** Starts a command without waiting for it, so a test can act while it runs. */
function startCli(args: string[], extraEnv: Record<string, string> = {}) {
  const captured = captureContext({ ...env, ...extraEnv });
  const done = runCli(captured.ctx, args);
  return { ...captured, done };
}

async function until<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The login URL `airlock login` printed on stderr. */
function printedLoginUrl(stderr: () => string): Promise<URL> {
  return until("the login URL on stderr", () => {
    const match = /If it does not open, visit:\n {2}(\S+)\n/.exec(stderr());
    return match?.[1] === undefined ? undefined : new URL(match[1]);
  });
}

/** What the browser does: follow the control plane's redirect to the CLI's loopback. */
async function browse(loginUrl: URL): Promise<{ status: number; page: string }> {
  const atControlPlane = await fetch(loginUrl, { redirect: "manual" });
  expect(atControlPlane.status).toBe(302);
  const location = atControlPlane.headers.get("location");
  if (location === null) throw new Error("no redirect");
  const atCli = await fetch(location);
  return { status: atCli.status, page: await atCli.text() };
}

describe("airlock login --no-browser (device flow)", () => {
  it("polls while the login is pending, then stores the tokens 0600 in place of the API key", async () => {
    await startFake({ device: { pending: 2, outcome: "approve" } });
    writeConfig({ default: { url: "http://old.example:8080", apiKey: "alk_key_old" } });
    const started = Date.now();
    const result = await run(["login", "--no-browser", "--url", fake.url], env);

    expect(result.stderr).toBe(
      `To log in, open ${fake.url}/auth/device on any device and enter the code ${USER_CODE}\n` +
        `  or open ${fake.url}/auth/device?user_code=${USER_CODE}\n`,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `Logged in to ${fake.url} as alice (user, human)\n` +
        "gRPC gateway: 127.0.0.1:8090 (plaintext)\n",
    );
    // interval 1 s: three polls, a second apart.
    expect(fake.count("POST", "/auth/token")).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
    expect(fake.count("POST", "/auth/device")).toBe(1);
    expect(fake.seen[0]).toMatchObject({ method: "GET", path: "/auth/config" });

    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    const profile = readProfile();
    expect(Object.keys(profile).sort()).toEqual([
      "accessToken",
      "accessTokenExpiresAt",
      "grpcAddress",
      "grpcInsecure",
      "refreshToken",
      "url",
    ]);
    expect(profile).toMatchObject({
      url: fake.url,
      grpcAddress: "127.0.0.1:8090",
      grpcInsecure: true,
    });
    expect(profile.refreshToken).toMatch(REFRESH_TOKEN);
    expect(profile.accessToken?.split(".")).toHaveLength(3);
    const expiresIn = Date.parse(profile.accessTokenExpiresAt ?? "") - Date.now();
    expect(expiresIn).toBeGreaterThan(890_000);
    expect(expiresIn).toBeLessThanOrEqual(900_000);
    expect(existsSync(`${configPath}.lock`)).toBe(false);

    // The stored login works.
    const who = await run(["whoami"], env);
    expect(who.code, who.stderr).toBe(0);
    expect(who.stdout).toMatch(/^Auth method:\s+OIDC login$/m);
  });

  it("says so when the user denies the login, and saves nothing", async () => {
    await startFake({ device: { pending: 0, outcome: "access_denied" } });
    const result = await run(["login", "--no-browser", "--url", fake.url], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error: the login was denied: the user declined the login\n");
    expect(existsSync(configPath)).toBe(false);
  });

  it("says so when the code expires", async () => {
    await startFake({ device: { pending: 1, outcome: "expired_token" } });
    const result = await run(["login", "--no-browser", "--url", fake.url], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "error: the code expired before the login was completed; run airlock login --no-browser again\n",
    );
  });

  it("gives up after --timeout", async () => {
    await startFake({ device: { pending: 100, outcome: "approve" } });
    const result = await run(["login", "--no-browser", "--timeout", "2s", "--url", fake.url], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "error: gave up waiting for the login on the other device after 2.0s; nothing was saved",
    );
    expect(existsSync(configPath)).toBe(false);
  });

  it("refuses a --timeout that is not a duration", async () => {
    const result = await run(["login", "--timeout", "soon"], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--timeout: expected a duration like 90s, 5m or 1h; got "soon"',
    );
  });
});

describe("device polling", () => {
  const pending = (code: string) =>
    new ApiError({ method: "POST", path: "/auth/token" }, 400, code, code, undefined);

  it("waits `interval` seconds between polls and 5 s more after each slow_down", async () => {
    const answers = ["authorization_pending", "slow_down", "authorization_pending", "slow_down"];
    const slept: number[] = [];
    let clock = 0;
    const tokens = { access_token: "a", refresh_token: "r" } as TokenResponse;
    const result = await pollDeviceToken(
      {
        token: (grant: TokenGrant) => {
          expect(grant).toEqual({
            grant_type: "urn:ietf:params:oauth:grant-type:device_code",
            device_code: "dc",
          });
          const next = answers.shift();
          return next === undefined ? Promise.resolve(tokens) : Promise.reject(pending(next));
        },
      },
      { device_code: "dc", interval: 2 },
      {
        timeoutMs: 300_000,
        now: () => clock,
        sleep: (ms) => {
          slept.push(ms);
          clock += ms;
          return Promise.resolve();
        },
      },
    );
    expect(result).toBe(tokens);
    expect(slept).toEqual([2_000, 2_000, 7_000, 7_000, 12_000]);
  });

  it("passes on an error it does not know", async () => {
    const failure = pollDeviceToken(
      { token: () => Promise.reject(pending("invalid_grant")) },
      { device_code: "dc", interval: 1 },
      { timeoutMs: 60_000, now: () => 0, sleep: () => Promise.resolve() },
    );
    await expect(failure).rejects.toMatchObject({ code: "invalid_grant" });
  });
});

describe("airlock login (browser flow)", () => {
  it("opens the login URL with PKCE and state, takes the code at the loopback and exchanges it", async () => {
    await startFake();
    const cli = startCli(["login", "--url", fake.url]);
    const loginUrl = await printedLoginUrl(cli.stderr);

    expect(cli.stderr()).toBe(
      `Opening your browser to log in… If it does not open, visit:\n  ${loginUrl.toString()}\n`,
    );
    expect(`${loginUrl.origin}${loginUrl.pathname}`).toBe(`${fake.url}/auth/login`);
    const params = loginUrl.searchParams;
    expect(params.get("redirect_uri")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(params.get("code_challenge_method")).toBe("S256");
    expect(params.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get("state")).toMatch(/^[A-Za-z0-9_-]{22,}$/);

    const browser = await browse(loginUrl);
    expect(browser.status).toBe(200);
    expect(browser.page).toContain("Logged in to Airlock as alice; you can close this window");
    expect(await cli.done).toBe(0);
    expect(cli.stdout()).toContain(`Logged in to ${fake.url} as alice (user, human)\n`);

    const [exchange] = fake.grants("authorization_code");
    expect(exchange).toMatchObject({ redirect_uri: params.get("redirect_uri") });
    // The verifier is 32 random bytes (43 base64url characters) and matches the challenge.
    const verifier = exchange?.grant_type === "authorization_code" ? exchange.code_verifier : "";
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s256(verifier)).toBe(params.get("code_challenge"));
    expect(readProfile()).toMatchObject({
      url: fake.url,
      refreshToken: expect.stringMatching(REFRESH_TOKEN),
    });
    expect(statSync(configPath).mode & 0o777).toBe(0o600);

    // The listener is gone once the login is over.
    await expect(fetch(params.get("redirect_uri") ?? "")).rejects.toThrow();
  });

  it("refuses an answer whose state does not match, and saves nothing", async () => {
    await startFake();
    const cli = startCli(["login", "--url", fake.url]);
    const loginUrl = await printedLoginUrl(cli.stderr);
    const redirectUri = loginUrl.searchParams.get("redirect_uri") ?? "";

    const forged = await fetch(`${redirectUri}?code=stolen&state=not-the-state`);
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain("state mismatch");
    expect(await cli.done).toBe(1);
    expect(cli.stderr()).toContain(
      "error: the browser came back with an answer for a different login request (state mismatch)",
    );
    expect(fake.count("POST", "/auth/token")).toBe(0);
    expect(existsSync(configPath)).toBe(false);
  });

  it("shows the control plane's error and its description", async () => {
    await startFake({
      browserOutcome: { error: "access_denied", description: "alice may not use Airlock" },
    });
    const cli = startCli(["login", "--url", fake.url]);
    const browser = await browse(await printedLoginUrl(cli.stderr));
    expect(browser.status).toBe(400);
    expect(browser.page).toContain("The login failed: alice may not use Airlock (access_denied)");
    expect(await cli.done).toBe(1);
    expect(cli.stderr()).toContain(
      "error: the login failed: alice may not use Airlock (access_denied)\n",
    );
  });

  it("serves nothing but /callback on the loopback", async () => {
    await startFake();
    const cli = startCli(["login", "--url", fake.url]);
    const loginUrl = await printedLoginUrl(cli.stderr);
    const redirect = new URL(loginUrl.searchParams.get("redirect_uri") ?? "");
    expect((await fetch(`${redirect.origin}/favicon.ico`)).status).toBe(404);
    expect((await fetch(redirect, { method: "POST" })).status).toBe(405);
    // Still waiting for the real answer.
    expect((await browse(loginUrl)).status).toBe(200);
    expect(await cli.done).toBe(0);
  });

  it.skipIf(process.platform === "win32")(
    "starts the AIRLOCK_BROWSER command with the URL",
    async () => {
      await startFake();
      const seenUrl = join(dir, "opened.txt");
      const opener = join(dir, "fake-browser.sh");
      writeFileSync(opener, `#!/bin/sh\nprintf '%s' "$2" > '${seenUrl}'\n`);
      chmodSync(opener, 0o755);
      const cli = startCli(["login", "--url", fake.url], {
        AIRLOCK_BROWSER: `${opener} --new-window`,
      });
      const opened = await until("the browser command", () =>
        existsSync(seenUrl) && readFileSync(seenUrl, "utf8") !== ""
          ? readFileSync(seenUrl, "utf8")
          : undefined,
      );
      expect(opened).toBe((await printedLoginUrl(cli.stderr)).toString());
      await browse(new URL(opened));
      expect(await cli.done).toBe(0);
    },
  );

  it("tells the user to use an API key when single sign-on is off", async () => {
    await startFake({ oidc: false });
    const result = await run(["login", "--url", fake.url], env);
    expect(result).toMatchObject({ code: 1, stdout: "" });
    expect(result.stderr).toBe(
      `error: single sign-on (OIDC) is not configured on the control plane at ${fake.url}; ` +
        `log in with an API key instead: airlock login --api-key - --url ${fake.url}\n`,
    );
    expect(existsSync(configPath)).toBe(false);
  });
});

describe("browser command", () => {
  const url = "http://cp/auth/login?a=1&b=2";
  it("uses AIRLOCK_BROWSER, none, or the platform's opener", () => {
    expect(browserCommand(url, "none")).toBeUndefined();
    expect(browserCommand(url, "firefox --new-window")).toEqual({
      command: "firefox",
      args: ["--new-window", url],
      verbatim: false,
    });
    expect(browserCommand(url, undefined, "linux")).toMatchObject({
      command: "xdg-open",
      args: [url],
    });
    expect(browserCommand(url, undefined, "darwin")).toMatchObject({ command: "open" });
    // Quoted, so cmd does not split the URL at "&".
    expect(browserCommand(url, undefined, "win32")).toEqual({
      command: "cmd",
      args: ["/c", "start", '""', `"${url}"`],
      verbatim: true,
    });
  });

  it("makes a PKCE pair: a 43-character verifier and its S256 challenge", () => {
    const { verifier, challenge } = pkcePair();
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(challenge).toBe(s256(verifier));
  });
});

describe("automatic refresh", () => {
  it("refreshes an access token that expires within a minute and stores the new pair", async () => {
    await startFake();
    const before = loggedIn(30);
    const result = await run(["whoami"], env);
    expect(result.code, result.stderr).toBe(0);

    expect(fake.grants("refresh_token")).toEqual([
      { grant_type: "refresh_token", refresh_token: before.refreshToken },
    ]);
    const after = readProfile();
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.refreshToken).toMatch(REFRESH_TOKEN);
    expect(Date.parse(after.accessTokenExpiresAt ?? "")).toBeGreaterThan(Date.now() + 800_000);
    expect(after).toMatchObject({ url: fake.url, grpcAddress: "127.0.0.1:8090" });
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    expect(existsSync(`${configPath}.lock`)).toBe(false);
    // whoami went out with the new token.
    const whoami = fake.seen.filter((s) => s.path === "/api/v1/identity/whoami");
    expect(whoami.map((s) => s.authorization)).toEqual([`Bearer ${after.accessToken}`]);
  });

  it("leaves a token with more than a minute left alone", async () => {
    await startFake();
    const before = loggedIn(600);
    expect((await run(["whoami"], env)).code).toBe(0);
    expect(fake.count("POST", "/auth/token")).toBe(0);
    expect(readProfile()).toEqual(before);
  });

  it("refreshes once for concurrent commands: the refresh token is used only once", async () => {
    await startFake({ refreshDelayMs: 300 });
    const before = loggedIn(10);
    const results = await Promise.all([1, 2, 3].map(() => run(["whoami"], env)));
    for (const result of results) expect(result.code, result.stderr).toBe(0);

    expect(fake.grants("refresh_token")).toHaveLength(1);
    expect(fake.refreshUses.get(before.refreshToken)).toBe(1);
    expect(fake.reuses).toEqual([]);
    const after = readProfile();
    expect(fake.sessionOf(after.refreshToken ?? "")?.revoked).toBe(false);
    // Every command sent the one new access token.
    const bearers = fake.seen
      .filter((s) => s.path === "/api/v1/identity/whoami")
      .map((s) => s.authorization);
    expect(bearers).toEqual([1, 2, 3].map(() => `Bearer ${after.accessToken}`));
  });

  it("waits for a lock another process holds, and breaks one older than 30 s", async () => {
    await startFake();
    loggedIn(10);
    const lock = `${configPath}.lock`;
    writeFileSync(lock, JSON.stringify({ pid: 1, time: new Date().toISOString() }));
    const cli = startCli(["whoami"]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.count("POST", "/auth/token")).toBe(0);
    writeFileSync(
      lock,
      JSON.stringify({ pid: 1, time: new Date(Date.now() - 31_000).toISOString() }),
    );
    expect(await cli.done).toBe(0);
    expect(fake.count("POST", "/auth/token")).toBe(1);
    expect(existsSync(lock)).toBe(false);
  });

  it("retries once with a refreshed token when a token it thought valid gets 401", async () => {
    await startFake();
    const before = loggedIn(600);
    fake.rejectedAccessTokens.add(before.accessToken);
    const result = await run(["whoami"], env);
    expect(result.code, result.stderr).toBe(0);
    expect(fake.grants("refresh_token")).toHaveLength(1);
    const after = readProfile();
    const bearers = fake.seen
      .filter((s) => s.path === "/api/v1/identity/whoami")
      .map((s) => s.authorization);
    expect(bearers).toEqual([`Bearer ${before.accessToken}`, `Bearer ${after.accessToken}`]);
  });

  it("says the login ended when the refresh is refused, and drops the dead tokens", async () => {
    await startFake();
    const before = loggedIn(10);
    await fetch(`${fake.url}/auth/logout`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: before.refreshToken }),
    });
    const result = await run(["whoami"], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `error: your login to ${fake.url} has ended (the login was revoked); the control plane no longer accepts it`,
    );
    expect(result.stderr).toContain("run: airlock login (single sign-on)");
    expect(readProfile()).toEqual({
      url: fake.url,
      grpcAddress: "127.0.0.1:8090",
      grpcInsecure: true,
    });
  });

  it("tells the user to log in again when even a refreshed token is refused", async () => {
    await startFake();
    loggedIn(600);
    fake.rejectEveryAccessToken = true;
    const result = await run(["whoami"], env);
    expect(result).toMatchObject({ code: 1, stdout: "" });
    expect(result.stderr).toBe(
      "error: your login was refused: invalid token; log in again: airlock login\n",
    );
    expect(fake.grants("refresh_token")).toHaveLength(1);
    expect(fake.count("GET", "/api/v1/identity/whoami")).toBe(2);
  });

  it("prefers AIRLOCK_API_KEY over the stored login", async () => {
    await startFake();
    loggedIn(10);
    const result = await run(["whoami"], { ...env, AIRLOCK_API_KEY: API_KEY });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Credentials:\s+AIRLOCK_API_KEY environment variable$/m);
    expect(fake.count("POST", "/auth/token")).toBe(0);
  });
});

describe("airlock logout", () => {
  it("ends the login on the control plane and removes the tokens, keeping the URL", async () => {
    await startFake();
    const before = loggedIn(600);
    const result = await run(["logout"], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      `Logged out: ended the login on ${fake.url} and removed its tokens from profile "default" in ${configPath}.\n`,
    );
    expect(fake.logouts).toEqual([before.refreshToken]);
    expect(fake.seen.find((s) => s.path === "/auth/logout")?.body).toEqual({
      refresh_token: before.refreshToken,
    });
    expect(readProfile()).toEqual({
      url: fake.url,
      grpcAddress: "127.0.0.1:8090",
      grpcInsecure: true,
    });
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    expect((await run(["logout"], env)).stdout).toBe(
      'No login or API key is stored for profile "default"; nothing to do.\n',
    );
  });

  it("removes the tokens even when the control plane cannot be reached, with a warning", async () => {
    await startFake();
    loggedIn(600);
    await fake.stop();
    const result = await run(["logout"], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Logged out: removed the login tokens of profile "default"');
    expect(result.stderr).toMatch(
      /^warning: could not end the login on the control plane \(cannot reach the control plane at .*\); it stays valid there until it expires\n$/,
    );
    expect(readProfile().refreshToken).toBeUndefined();
  });

  it("login --api-key replaces a stored login and ends it", async () => {
    await startFake();
    const before = loggedIn(600);
    const result = await run(["login", "--api-key", "-", "--url", fake.url], env, {
      stdin: `${API_KEY}\n`,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Logged in to ${fake.url} as etl-bot (user, service_account)`);
    expect(readProfile()).toEqual({
      url: fake.url,
      grpcAddress: "127.0.0.1:8090",
      grpcInsecure: true,
      apiKey: API_KEY,
    });
    expect(fake.logouts).toEqual([before.refreshToken]);
  });
});

describe("airlock whoami", () => {
  it("shows the login: user, identity type, groups, approvals, session expiry", async () => {
    await startFake();
    loggedIn(600);
    const result = await run(["whoami"], env);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines.slice(0, 9)).toEqual([
      "User:           alice",
      "Name:           Alice Liddell",
      "Email:          alice@example.com",
      "Identity:       human",
      "Role:           user",
      "Groups:         dba, engineers",
      "Approves:       demo/ddl-needs-dba",
      "Auth method:    OIDC login",
      expect.stringMatching(/^Login expires: {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in 12h\)$/),
    ]);
    expect(lines[9]).toBe(`Control plane:  ${fake.url}`);

    const json = await run(["whoami", "-o", "json"], env);
    expect(JSON.parse(json.stdout)).toMatchObject({
      user: { name: ALICE.name, displayName: ALICE.displayName },
      authMethod: "oidc",
      loginSession: { expiresAt: expect.any(String) },
    });
  });

  it("shows a service account's key: owner, connections, expiry", async () => {
    await startFake();
    const result = await run(["whoami"], {
      ...env,
      AIRLOCK_URL: fake.url,
      AIRLOCK_API_KEY: API_KEY,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Identity:\s+service account$/m);
    expect(result.stdout).toMatch(/^Owner:\s+alice$/m);
    expect(result.stdout).toMatch(/^Auth method:\s+API key$/m);
    expect(result.stdout).toMatch(/^Key connections:\s+demo$/m);
    expect(result.stdout).toMatch(/^Key expires:\s+never$/m);
  });
});

describe("the file lock", () => {
  it("runs one holder at a time, across callers", async () => {
    const lock = join(dir, "x.lock");
    const order: string[] = [];
    const holder = (name: string) =>
      withFileLock(lock, async () => {
        order.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        order.push(`${name} out`);
      });
    await Promise.all([holder("a"), holder("b"), holder("c")]);
    for (let i = 0; i < order.length; i += 2) {
      expect(order[i + 1]).toBe(order[i]?.replace(" in", " out"));
    }
    expect(existsSync(lock)).toBe(false);
  });

  it("gives up on a live lock after waitMs, naming the file", async () => {
    const lock = join(dir, "y.lock");
    writeFileSync(lock, JSON.stringify({ pid: 1, time: new Date().toISOString() }));
    await expect(withFileLock(lock, () => Promise.resolve(), { waitMs: 200 })).rejects.toThrow(
      `another airlock process has held the lock ${lock}`,
    );
    expect(existsSync(lock)).toBe(true);
  });
});

describe("gRPC credentials", () => {
  it("tells a refused login to log in again, and a refused key what it always said", () => {
    const context = { address: "cp:8090", insecure: false, apiKeyFromEnv: false };
    const refused = { code: Status.UNAUTHENTICATED, details: "your login was revoked" };
    expect(describeCallFailure(refused, { ...context, login: true })).toBe(
      "your login was refused by the control plane: your login was revoked; log in again: airlock login",
    );
    expect(describeCallFailure(refused, context)).toBe(
      "your API key was refused by the control plane: your login was revoked; log in again: airlock login --api-key -",
    );
  });

  it("asks for the bearer at each connection, and reports a failure to get one", async () => {
    let asked = 0;
    const ended: string[] = [];
    let onEnd!: () => void;
    const done = new Promise<void>((resolve) => (onEnd = resolve));
    const gateway = new LocalGateway({
      grpc: { address: "127.0.0.1:1", insecure: true, caFile: undefined, addressFrom: "default" },
      bearer: () => {
        asked++;
        return Promise.reject(new Error("your login to http://cp has ended"));
      },
      apiKeyFromEnv: false,
      login: true,
      userAgent: "airlock-cli/test",
      spec: { connection: "demo", protocol: "postgres", clientVersion: "0.0.0" },
      onEnded: (end) => {
        ended.push(end.failure ?? end.reason);
        onEnd();
      },
    });
    try {
      const port = await gateway.start("127.0.0.1", 0);
      const socket = tcpConnect(port, "127.0.0.1");
      socket.on("error", () => undefined);
      const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
      await Promise.all([done, closed]);
      expect(asked).toBe(1);
      expect(ended).toEqual(["your login to http://cp has ended"]);
    } finally {
      await gateway.stop();
    }
  });
});
