// OIDC login against a real OIDC provider (oidc-provider, started here): the browser flow
// driven by an HTTP client that follows redirects (the CLI's loopback protocol, the plain
// web page, the device code), groups from the IdP through the mapping file, Airlock's own
// access and refresh tokens (rotation, reuse detection, logout), forged and broken tokens,
// logins Airlock refuses, and the group-mapping tester. docs/design/0009-oidc-login.md.
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deriveSigningKey } from "../../apps/control-plane/src/identity/tokens/signing-key";
import { loginAtIdp, TestBrowser } from "../support/browser";
import { startTestIdp, type TestIdp } from "../support/oidc-idp";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { withClient } from "./gateway";
import { ControlPlane, freePort } from "./harness";

const CLIENT = { clientId: "airlock", clientSecret: randomBytes(24).toString("base64url") };
/** A loopback URL nothing listens on: the test reads the redirect instead of following it. */
const LOOPBACK = "http://127.0.0.1:9/callback";

const MAPPING = `
groups:
  - { idp: "db-admins", group: dba }
  - { idp: "eng-*", group: engineers }
  - { idp: "platform-team", group: platform }
roles:
  admin: [platform]
  auditor: [security]
`;

let idp: TestIdp;
let store: TestDatabase;
let cp: ControlPlane;

beforeAll(async () => {
  const httpPort = await freePort();
  idp = await startTestIdp({
    clients: [{ ...CLIENT, redirectUris: [`http://127.0.0.1:${httpPort}/auth/callback`] }],
    accounts: [
      account("u-alice", "alice", ["db-admins", "eng-backend", "marketing"]),
      account("u-pat", "pat", ["platform-team"]),
      account("u-clash", "admin", []),
      // Nothing usable as a user name: not the username, not the email, not even the subject.
      account("u nobody", "bad name!", [], "not an email"),
    ],
  });
  const dir = mkdtempSync(path.join(tmpdir(), "airlock-oidc-"));
  const mappingFile = path.join(dir, "mapping.yaml");
  writeFileSync(mappingFile, MAPPING);
  store = await createTestDatabase();
  cp = await ControlPlane.start({
    databaseUrl: store.url,
    httpPort,
    env: {
      AIRLOCK_OIDC_ISSUER: idp.issuer,
      AIRLOCK_OIDC_CLIENT_ID: CLIENT.clientId,
      AIRLOCK_OIDC_CLIENT_SECRET: CLIENT.clientSecret,
      AIRLOCK_OIDC_SCOPES: "openid profile email",
      AIRLOCK_IDENTITY_MAPPING_FILE: mappingFile,
    },
  });
  // The bootstrap admin is a local user named "admin", a name an IdP account (u-clash) claims.
}, 120_000);

const redisClients: Array<{ onApplicationShutdown(): Promise<void> | void }> = [];

afterAll(async () => {
  for (const redis of redisClients) await redis.onApplicationShutdown();
  await cp?.proc.stop("SIGTERM", 10_000);
  await idp?.stop();
  await store?.drop();
});

function account(sub: string, username: string, groups: string[], email?: string) {
  return {
    sub,
    password: `pw-${sub}`,
    claims: { preferred_username: username, email: email ?? `${sub}@example.test`, groups },
  };
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: string;
  user: { name: string; kind: string; role: string };
}

async function token(body: Record<string, unknown>) {
  const res = await fetch(`${cp.httpUrl}/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** The CLI's browser login, with the test as the browser: returns the loopback redirect. */
async function loopbackLogin(
  sub: string,
  browser = new TestBrowser(),
): Promise<{ redirect: URL; verifier: string; state: string }> {
  const { verifier, challenge } = pkce();
  const state = randomBytes(8).toString("hex");
  const start = new URL(`${cp.httpUrl}/auth/login`);
  start.searchParams.set("redirect_uri", LOOPBACK);
  start.searchParams.set("code_challenge", challenge);
  start.searchParams.set("code_challenge_method", "S256");
  start.searchParams.set("state", state);
  const page = await loginAtIdp(browser, start.toString(), sub, `pw-${sub}`, {
    stopAt: (url) => url.origin === "http://127.0.0.1:9",
  });
  expect(page.stoppedAt, page.body).toBeDefined();
  return { redirect: new URL(page.stoppedAt as string), verifier, state };
}

async function loginAs(sub: string): Promise<Tokens> {
  const { redirect, verifier, state } = await loopbackLogin(sub);
  expect(redirect.searchParams.get("state")).toBe(state);
  const res = await token({
    grant_type: "authorization_code",
    code: redirect.searchParams.get("code"),
    code_verifier: verifier,
    redirect_uri: LOOPBACK,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Tokens;
}

async function rows<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  return withClient(store.url, async (c) => (await c.query(sql)).rows as T[]);
}

/** The plain web login in a fresh browser, as the IdP account `sub`. */
function webLogin(sub: string) {
  return loginAtIdp(new TestBrowser(), `${cp.httpUrl}/auth/login`, sub, `pw-${sub}`);
}

function whoami(accessToken: string) {
  return cp.api(accessToken).get("/api/v1/identity/whoami");
}

describe("logging in through the IdP", () => {
  it("says OIDC is on, and with which issuer", async () => {
    const res = await cp.api(null).get("/auth/config");
    expect(res.body).toEqual({ oidc: true, issuer: idp.issuer });
  });

  it("sends the browser to the IdP with state, nonce and a PKCE challenge", async () => {
    const { challenge } = pkce();
    const res = await fetch(
      `${cp.httpUrl}/auth/login?redirect_uri=${encodeURIComponent(LOOPBACK)}&state=s1&code_challenge=${challenge}&code_challenge_method=S256`,
      { redirect: "manual" },
    );
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get("location") as string);
    expect(to.origin).toBe(idp.issuer);
    for (const param of ["state", "nonce", "code_challenge"])
      expect(to.searchParams.get(param), param).toMatch(/^[A-Za-z0-9_/+-]{20,}$/);
    expect(to.searchParams.get("code_challenge_method")).toBe("S256");
    expect(to.searchParams.get("redirect_uri")).toBe(`${cp.httpUrl}/auth/callback`);
    // Airlock's own state, not the CLI's, goes to the IdP.
    expect(to.searchParams.get("state")).not.toBe("s1");
    expect(res.headers.get("set-cookie")).toMatch(/airlock_login=.*HttpOnly.*SameSite=Lax/i);
  });

  it("logs in through the loopback flow: tokens, the user, groups mapped, role", async () => {
    const tokens = await loginAs("u-alice");
    expect(tokens).toMatchObject({
      token_type: "Bearer",
      expires_in: 900,
      user: { name: "alice", kind: "human", role: "user" },
    });
    expect(tokens.refresh_token).toMatch(/^alk_rt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const me = await whoami(tokens.access_token);
    expect(me.status, me.text).toBe(200);
    expect(me.body).toMatchObject({
      user: { name: "alice", kind: "human", role: "user", email: "u-alice@example.test" },
      groups: ["dba", "engineers"],
      authMethod: "oidc",
      owner: null,
      apiKey: null,
    });
    expect(Date.parse(me.body.loginSession.expiresAt)).toBeGreaterThan(Date.now() + 11 * 3600_000);
    // The user is stored and linked: the admin API shows them with their groups.
    const user = await cp.api().get("/api/v1/users/alice");
    expect(user.body.groups).toEqual(["dba", "engineers"]);
  });

  it("maps a role from the groups, and updates groups at every login", async () => {
    const first = await loginAs("u-pat");
    expect(first.user.role).toBe("admin");
    idp.setAccount(account("u-pat", "pat", ["eng-web"]));
    const second = await loginAs("u-pat");
    expect(second.user.role).toBe("user");
    expect((await whoami(second.access_token)).body.groups).toEqual(["engineers"]);
  });

  it("keeps the groups an admin gave, replacing only the IdP's", async () => {
    const added = await cp.api().patch("/api/v1/users/alice", { groups: ["oncall"] });
    expect(added.status, added.text).toBe(200);
    const tokens = await loginAs("u-alice");
    expect((await whoami(tokens.access_token)).body.groups).toEqual(["dba", "engineers", "oncall"]);
  });

  it("shows the plain web login a page saying who logged in", async () => {
    const browser = new TestBrowser();
    const page = await loginAtIdp(browser, `${cp.httpUrl}/auth/login`, "u-alice", "pw-u-alice");
    expect(page.status).toBe(200);
    expect(page.body).toContain("Logged in to Airlock");
    expect(page.body).toContain("<strong>alice</strong>");
    expect(page.body).toContain("<code>dba</code>");
  });

  it("logs in a device: pending while the browser has not finished, then tokens once", async () => {
    const started = await fetch(`${cp.httpUrl}/auth/device`, { method: "POST" });
    expect(started.status).toBe(200);
    const device = (await started.json()) as Record<string, any>;
    expect(device.user_code).toMatch(/^[B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4}$/);
    expect(device.verification_uri).toBe(`${cp.httpUrl}/auth/device`);
    const grant = {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      device_code: device.device_code,
    };
    const pending = await token(grant);
    expect(pending).toEqual({
      status: 400,
      body: { error: "authorization_pending", error_description: expect.any(String) },
    });
    // Polling faster than the interval is told to slow down.
    expect((await token(grant)).body.error).toBe("slow_down");

    // The person types the code (lower case, without the dash) on the device page.
    const browser = new TestBrowser();
    const form = await browser.open(device.verification_uri);
    expect(form.body).toContain('name="user_code"');
    const typed = device.user_code.toLowerCase().replace("-", "");
    const idpForm = await browser.submit(form, { user_code: typed });
    const done = await browser.submit(idpForm, { login: "u-alice", password: "pw-u-alice" });
    expect(done.status, done.body).toBe(200);
    expect(done.body).toContain("Return to your terminal");

    const tokens = await token(grant);
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    expect(tokens.body.user.name).toBe("alice");
    expect((await whoami(tokens.body.access_token)).status).toBe(200);
    const again = await token(grant);
    expect(again.status).toBe(400);
    expect(again.body.error).toMatch(/expired_token|invalid_grant/);
  });

  it("refuses an unknown device code on the device page", async () => {
    const page = await new TestBrowser().open(`${cp.httpUrl}/auth/login?user_code=BBBB-CCCC`);
    expect(page.status).toBe(400);
    expect(page.body).toContain("unknown or expired");
  });
});

describe("the loopback exchange is bound to the CLI that started it", () => {
  it("refuses a wrong PKCE verifier, another redirect_uri, and a second use of the code", async () => {
    const { redirect, verifier } = await loopbackLogin("u-alice");
    const code = redirect.searchParams.get("code");
    const wrong = await token({
      grant_type: "authorization_code",
      code,
      code_verifier: pkce().verifier,
      redirect_uri: LOOPBACK,
    });
    expect(wrong.body).toEqual({
      error: "invalid_grant",
      error_description: "code_verifier does not match the login's code_challenge",
    });
    // The code was spent by the failed attempt: the right verifier is now too late.
    const late = await token({
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: LOOPBACK,
    });
    expect(late.body.error).toBe("invalid_grant");

    const other = await loopbackLogin("u-alice");
    const moved = await token({
      grant_type: "authorization_code",
      code: other.redirect.searchParams.get("code"),
      code_verifier: other.verifier,
      redirect_uri: "http://127.0.0.1:10/callback",
    });
    expect(moved.body.error_description).toMatch(/redirect_uri differs/);
  });

  it("accepts only loopback redirect URIs and needs PKCE", async () => {
    const { challenge } = pkce();
    const cases: Array<[string, RegExp]> = [
      [
        `redirect_uri=${encodeURIComponent("https://evil.example/cb")}&state=x&code_challenge=${challenge}&code_challenge_method=S256`,
        /http:\/\/ loopback URL/,
      ],
      [
        `redirect_uri=${encodeURIComponent("http://10.0.0.5:80/cb")}&state=x&code_challenge=${challenge}&code_challenge_method=S256`,
        /must point at this machine/,
      ],
      [`redirect_uri=${encodeURIComponent(LOOPBACK)}&state=x`, /PKCE/],
      [
        `redirect_uri=${encodeURIComponent(LOOPBACK)}&state=x&code_challenge=short&code_challenge_method=S256`,
        /code_challenge/,
      ],
    ];
    for (const [query, message] of cases) {
      const res = await fetch(`${cp.httpUrl}/auth/login?${query}`, { redirect: "manual" });
      expect(res.status, query).toBe(400);
      expect(await res.text()).toMatch(message);
    }
  });

  it("refuses a callback finished in another browser than the one that started the login", async () => {
    const { challenge } = pkce();
    const starter = new TestBrowser();
    const start = await starter.open(
      `${cp.httpUrl}/auth/login?redirect_uri=${encodeURIComponent(LOOPBACK)}&state=st&code_challenge=${challenge}&code_challenge_method=S256`,
      { stopAt: (url) => url.origin === idp.issuer },
    );
    const idpUrl = start.stoppedAt as string;
    // The victim's browser (no airlock_login cookie) is lured to finish the attacker's login.
    const victim = new TestBrowser();
    const page = await loginAtIdp(victim, idpUrl, "u-alice", "pw-u-alice", {
      stopAt: (url) => url.origin === "http://127.0.0.1:9",
    });
    const redirect = new URL(page.stoppedAt as string);
    expect(redirect.searchParams.get("code")).toBeNull();
    expect(redirect.searchParams.get("error")).toBe("access_denied");
    expect(redirect.searchParams.get("error_description")).toMatch(/started in another browser/);
  });

  it("refuses a replayed callback: the state is single use", async () => {
    const browser = new TestBrowser();
    const { challenge } = pkce();
    const page = await loginAtIdp(
      browser,
      `${cp.httpUrl}/auth/login?redirect_uri=${encodeURIComponent(LOOPBACK)}&state=st&code_challenge=${challenge}&code_challenge_method=S256`,
      "u-alice",
      "pw-u-alice",
      { stopAt: (url) => url.pathname === "/auth/callback" },
    );
    const callback = page.stoppedAt as string;
    const first = await browser.open(callback, {
      stopAt: (url) => url.origin === "http://127.0.0.1:9",
    });
    expect(new URL(first.stoppedAt as string).searchParams.get("code")).not.toBeNull();
    const replay = await browser.open(callback, {
      stopAt: (url) => url.origin === "http://127.0.0.1:9",
    });
    expect(replay.status).toBe(403);
    expect(replay.body).toMatch(/unknown, used or expired/);
  });
});

describe("logins Airlock refuses after the IdP accepted them", () => {
  it("refuses a name already held by another identity", async () => {
    const browser = new TestBrowser();
    const page = await loginAtIdp(browser, `${cp.httpUrl}/auth/login`, "u-clash", "pw-u-clash");
    expect(page.status).toBe(403);
    expect(page.body).toContain("the user name admin is already used by another Airlock identity");
    const admin = await cp.api().get("/api/v1/users/admin");
    expect(admin.body.groups).toEqual([]);
  });

  it("refuses claims without a usable user name", async () => {
    const page = await webLogin("u nobody");
    expect(page.status).toBe(403);
    expect(page.body).toMatch(/no usable user name/);
  });

  it("refuses a disabled user, and their tokens stop working at once", async () => {
    const tokens = await loginAs("u-alice");
    expect((await whoami(tokens.access_token)).status).toBe(200);
    expect((await cp.api().patch("/api/v1/users/alice", { disabled: true })).status).toBe(200);
    const me = await whoami(tokens.access_token);
    expect(me.status).toBe(401);
    expect(me.body.error.message).toMatch(/disabled/);
    const refreshed = await token({
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
    });
    expect(refreshed.body).toEqual({
      error: "invalid_grant",
      error_description: "the user is disabled",
    });
    const page = await webLogin("u-alice");
    expect(page.status).toBe(403);
    expect(page.body).toMatch(/alice is disabled/);
    expect((await cp.api().patch("/api/v1/users/alice", { disabled: false })).status).toBe(200);
  });

  it("audits logins, failed logins and logouts", async () => {
    const res = await cp.api().get("/api/v1/users/alice");
    expect(res.status).toBe(200);
    const events = await rows<{ code: string; outcome: string; actor_name: string | null }>(
      "SELECT code, outcome, actor_name FROM audit_events WHERE code LIKE 'auth.%' ORDER BY id",
    );
    const seen = new Set(events.map((e) => `${e.code}:${e.outcome}`));
    expect(seen).toContain("auth.login:succeeded");
    expect(seen).toContain("auth.login:failed");
    expect(
      events.find((e) => e.code === "auth.login" && e.outcome === "succeeded")?.actor_name,
    ).toBeTruthy();
  });
});

describe("Airlock's tokens", () => {
  it("rotates the refresh token on every use, and a reused one revokes the whole login", async () => {
    const first = await loginAs("u-alice");
    const second = await token({ grant_type: "refresh_token", refresh_token: first.refresh_token });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(second.body.access_token).not.toBe(first.access_token);
    expect((await whoami(second.body.access_token)).status).toBe(200);

    // The first token again: someone else holds a copy.
    const reuse = await token({ grant_type: "refresh_token", refresh_token: first.refresh_token });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe("invalid_grant");
    expect(reuse.body.error_description).toMatch(/already used.*whole login is revoked/);
    // Every token of that login is dead now, the newest included.
    const me = await whoami(second.body.access_token);
    expect(me.status).toBe(401);
    expect(me.body.error.message).toMatch(/refresh token reused/);
    const next = await token({
      grant_type: "refresh_token",
      refresh_token: second.body.refresh_token,
    });
    expect(next.body.error).toBe("invalid_grant");
    const audited = await rows("SELECT 1 FROM audit_events WHERE code = 'auth.refresh_reuse'");
    expect(audited.length).toBeGreaterThan(0);
  });

  it("logs out: the refresh token and the access token stop working", async () => {
    const tokens = await loginAs("u-alice");
    const out = await fetch(`${cp.httpUrl}/auth/logout`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: tokens.refresh_token }),
    });
    expect(out.status).toBe(204);
    expect((await whoami(tokens.access_token)).body.error.message).toMatch(/logged out/);
    expect(
      (await token({ grant_type: "refresh_token", refresh_token: tokens.refresh_token })).body
        .error,
    ).toBe("invalid_grant");
  });

  it("logs out with the access token as Bearer", async () => {
    const tokens = await loginAs("u-alice");
    const out = await fetch(`${cp.httpUrl}/auth/logout`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(out.status).toBe(204);
    expect((await whoami(tokens.access_token)).status).toBe(401);
  });

  it("answers bad token requests in OAuth's shape, naming the problem", async () => {
    expect(await token({ grant_type: "password", username: "a" })).toMatchObject({
      status: 400,
      body: { error: "unsupported_grant_type" },
    });
    expect(await token({ grant_type: "refresh_token" })).toMatchObject({
      status: 400,
      body: { error: "invalid_request", error_description: expect.stringMatching(/refresh_token/) },
    });
    expect(
      await token({ grant_type: "refresh_token", refresh_token: "alk_rt_nope" }),
    ).toMatchObject({
      status: 400,
      body: { error: "invalid_grant", error_description: expect.stringMatching(/malformed/) },
    });
  });

  it("publishes the access-token key as a JWKS", async () => {
    const res = await cp.api(null).get("/auth/jwks");
    expect(res.body.keys).toHaveLength(1);
    expect(res.body.keys[0]).toMatchObject({
      kty: "OKP",
      crv: "Ed25519",
      alg: "EdDSA",
      use: "sig",
    });
  });
});

describe("forged and broken access tokens are refused", () => {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  let claims: Record<string, unknown>;
  let kid: string;

  beforeAll(async () => {
    const tokens = await loginAs("u-alice");
    const [header, payload] = tokens.access_token.split(".") as [string, string];
    claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    kid = JSON.parse(Buffer.from(header, "base64url").toString()).kid;
  });

  function ed25519(
    payload: Record<string, unknown>,
    key = deriveSigningKey(masterKey(), "airlock-access-token-v1").privateKey,
  ): string {
    const head = b64({ alg: "EdDSA", typ: "at+jwt", kid });
    const body = b64(payload);
    return `${head}.${body}.${sign(null, Buffer.from(`${head}.${body}`), key).toString("base64url")}`;
  }

  function masterKey(): Buffer {
    return Buffer.from(cp.options.masterKey, "base64");
  }

  it("accepts a token signed with the real key (the forging helper itself is right)", async () => {
    expect((await whoami(ed25519(claims))).status).toBe(200);
  });

  it.each([
    [
      "a wrong signature",
      () => ed25519(claims, generateKeyPairSync("ed25519").privateKey),
      /signature does not verify/,
    ],
    ["a wrong issuer", () => ed25519({ ...claims, iss: "https://evil.example" }), /wrong iss/],
    ["a wrong audience", () => ed25519({ ...claims, aud: "someone-else" }), /wrong aud/],
    [
      "an expired token",
      () =>
        ed25519({
          ...claims,
          iat: Math.floor(Date.now() / 1000) - 3600,
          exp: Math.floor(Date.now() / 1000) - 60,
        }),
      /expired/,
    ],
    [
      "alg: none",
      () => `${b64({ alg: "none", typ: "at+jwt" })}.${b64(claims)}.`,
      /algorithm is not accepted|not a well-formed/,
    ],
    [
      "HS256 keyed with the public key",
      () => {
        const head = b64({ alg: "HS256", typ: "at+jwt", kid });
        const body = b64(claims);
        const pub = deriveSigningKey(masterKey(), "airlock-access-token-v1").publicKey.export({
          format: "der",
          type: "spki",
        });
        const mac = createHash("sha256").update(pub).update(`${head}.${body}`).digest("base64url");
        return `${head}.${body}.${mac}`;
      },
      /algorithm is not accepted/,
    ],
    [
      "another user's id under a real login",
      () => ed25519({ ...claims, sub: "00000000-0000-4000-8000-000000000000" }),
      /login session does not exist/,
    ],
  ])("refuses %s with 401 and says why", async (_what, forge, message) => {
    const res = await whoami(forge());
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthenticated");
    expect(res.body.error.message).toMatch(message);
  });
});

describe("the ID token from the IdP is checked, not trusted", () => {
  // The IdP signs what we ask; Airlock must refuse each of these as an ID token.
  it.each([
    ["a wrong issuer", { iss: "https://evil.example" }, {}, /claim iss/],
    ["a wrong audience", { aud: "another-client" }, {}, /claim aud/],
    ["an expired token", { exp: Math.floor(Date.now() / 1000) - 3600 }, {}, /expired/],
    ["alg: none", {}, { alg: "none" }, /algorithm|signature/],
  ])("refuses %s", async (_what, override, header, message) => {
    const { verifyIdToken } = await idTokenChecker();
    const jwt = await idp.signWithIdpKey({ ...idTokenClaims(), ...override }, header);
    const forged =
      (header as { alg?: string }).alg === "none"
        ? `${jwt.split(".").slice(0, 2).join(".")}.`
        : jwt;
    await expect(verifyIdToken(forged, "n1")).rejects.toThrow(message);
  });

  it("refuses a token signed by another key, and a wrong nonce; accepts a good one", async () => {
    const { verifyIdToken } = await idTokenChecker();
    const good = idTokenClaims();
    await expect(verifyIdToken(await idp.signWithIdpKey(good), "n1")).resolves.toMatchObject({
      sub: "u-alice",
    });
    await expect(verifyIdToken(await idp.signWithIdpKey(good), "n2")).rejects.toThrow(/nonce/);
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const real = await idp.signWithIdpKey(good);
    const [head, body] = real.split(".") as [string, string];
    const stolen = `${head}.${body}.${sign("sha256", Buffer.from(`${head}.${body}`), createPrivateKey(privateKey.export({ format: "pem", type: "pkcs8" }))).toString("base64url")}`;
    await expect(verifyIdToken(stolen, "n1")).rejects.toThrow(/signature/);
  });
});

/** The claims of a good ID token for u-alice, nonce n1. */
function idTokenClaims(): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: idp.issuer,
    aud: CLIENT.clientId,
    sub: "u-alice",
    iat: now,
    exp: now + 300,
    nonce: "n1",
  };
}

/** Airlock's real ID-token checker, configured like the control plane under test. */
async function idTokenChecker(): Promise<{
  verifyIdToken: (jwt: string, nonce: string) => Promise<unknown>;
}> {
  const { OidcClient } = await import("../../apps/control-plane/src/identity/oidc/oidc-client");
  const { LoginRequests } =
    await import("../../apps/control-plane/src/identity/login/login-requests");
  const { RedisService } = await import("../../apps/control-plane/src/redis/redis.service");
  const { loadConfig } = await import("../../apps/control-plane/src/config/load-config");
  const { createRootLogger } = await import("../../apps/control-plane/src/logging/logger");
  const loaded = loadConfig({
    DATABASE_URL: store.url,
    AIRLOCK_MASTER_KEY: cp.options.masterKey,
    AIRLOCK_GRPC_INSECURE: "true",
    AIRLOCK_OIDC_ISSUER: idp.issuer,
    AIRLOCK_OIDC_CLIENT_ID: CLIENT.clientId,
    AIRLOCK_OIDC_CLIENT_SECRET: CLIENT.clientSecret,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join("; "));
  const logger = createRootLogger("silent");
  const redis = new RedisService(loaded.config, logger);
  redisClients.push(redis);
  const client = new OidcClient(loaded.config, logger, new LoginRequests(loaded.config, redis));
  return { verifyIdToken: (jwt, nonce) => client.verifyIdToken(jwt, nonce) };
}

describe("the group-mapping tester", () => {
  it("returns groups, role, matched rules and policies for sample claims, logging nobody in", async () => {
    const policy = await cp.api().request("PUT", "/api/v1/policies/dba-review", {
      document: {
        name: "dba-review",
        subjects: { groups: ["engineers"] },
        resources: { connections: ["*"] },
        rules: [
          {
            id: "deletes-need-dba",
            match: { sql: { statements: ["delete"] } },
            action: "review",
            review: { approvers: ["dba"] },
          },
        ],
      },
    });
    expect(policy.status, policy.text).toBe(200);
    const res = await cp.api().post("/api/v1/identity/test-mapping", {
      claims: { sub: "x-1", preferred_username: "zoe", groups: ["eng-data", "db-admins", "sales"] },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      user: { name: "zoe", nameClaim: "preferred_username", kind: "human" },
      idpGroups: ["eng-data", "db-admins", "sales"],
      groups: ["dba", "engineers"],
      role: "user",
      policies: [{ name: "dba-review" }],
      approves: ["dba-review/deletes-need-dba"],
      problem: null,
    });
    expect(res.body.matches).toContainEqual({
      idpGroup: "db-admins",
      rule: "db-admins",
      group: "dba",
    });
    expect((await cp.api().get("/api/v1/users/zoe")).status).toBe(404);
    const admin = await cp.api().post("/api/v1/identity/test-mapping", {
      claims: { sub: "x-2", preferred_username: "pat", groups: ["platform-team"] },
    });
    expect(admin.body.role).toBe("admin");
  });

  it("validates its input and is for admins only", async () => {
    const bad = await cp.api().post("/api/v1/identity/test-mapping", { claims: "nope" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("claims");
    const unknownConnection = await cp.api().post("/api/v1/identity/test-mapping", {
      claims: { sub: "a" },
      connection: "nowhere",
    });
    expect(unknownConnection.status).toBe(404);
    const tokens = await loginAs("u-alice");
    const asUser = await cp
      .api(tokens.access_token)
      .post("/api/v1/identity/test-mapping", { claims: {} });
    expect(asUser.status).toBe(403);
  });

  it("whoami names what the caller may approve", async () => {
    const tokens = await loginAs("u-alice");
    const me = await whoami(tokens.access_token);
    expect(me.body.approves).toEqual(["dba-review/deletes-need-dba"]);
    expect(me.body.policies).toEqual(["dba-review"]);
  });
});
