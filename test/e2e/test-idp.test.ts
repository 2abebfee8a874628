// Self-test of the test IdP (test/support/oidc-idp.ts) and the test browser
// (test/support/browser.ts) that the OIDC login suites build on: a full authorization-code
// flow with PKCE, refresh, and the refusal once the IdP forgets the account.

import { createHash, createPublicKey, randomBytes, verify, type JsonWebKey } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { TestBrowser, loginAtIdp } from "../support/browser";
import { startTestIdp, type IdpAccount, type TestIdp } from "../support/oidc-idp";

const clientId = "airlock-test";
const clientSecret = "client secret: with/odd+chars";

const alice: IdpAccount = {
  sub: "idp-user-1",
  password: "correct horse",
  claims: {
    preferred_username: "alice",
    email: "alice@example.test",
    email_verified: true,
    groups: ["eng-db", "db-admins"],
  },
};

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

let idp: TestIdp;
let rp: Server;
let redirectUri: string;
let discovery: Discovery;

beforeAll(async () => {
  rp = createServer((req, res) => {
    res.setHeader("content-type", "text/plain");
    res.end(`callback ${req.url}`);
  });
  await new Promise<void>((resolve) => rp.listen(0, "127.0.0.1", resolve));
  redirectUri = `http://127.0.0.1:${(rp.address() as AddressInfo).port}/callback`;
  idp = await startTestIdp({
    clients: [{ clientId, clientSecret, redirectUris: [redirectUri] }],
    accounts: [alice],
    accessTokenTtlSeconds: 120,
  });
  const res = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
  expect(res.status).toBe(200);
  discovery = (await res.json()) as Discovery;
});

afterAll(async () => {
  await idp?.stop();
  await new Promise<void>((resolve) => (rp ? rp.close(() => resolve()) : resolve()));
});

function authorizationRequest(scope = "openid profile email groups") {
  const state = randomBytes(16).toString("base64url");
  const nonce = randomBytes(16).toString("base64url");
  const verifier = randomBytes(32).toString("base64url");
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    scope,
    state,
    nonce,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  }).toString();
  return { url: url.href, state, nonce, verifier };
}

function basicAuth(): string {
  const enc = (s: string) => encodeURIComponent(s);
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString("base64")}`;
}

async function tokenRequest(params: Record<string, string>) {
  const res = await fetch(discovery.token_endpoint, {
    method: "POST",
    headers: { authorization: basicAuth(), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** Verifies an RS256 JWT against the IdP's published JWKS and returns its payload. */
async function verifyWithJwks(jwt: string): Promise<Record<string, any>> {
  const [h, p, s] = jwt.split(".") as [string, string, string];
  const header = JSON.parse(Buffer.from(h, "base64url").toString()) as { alg: string; kid: string };
  expect(header.alg).toBe("RS256");
  const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: JsonWebKey[] };
  const jwk = jwks.keys.find((k) => k["kid"] === header.kid);
  expect(jwk).toBeDefined();
  expect(jwk).not.toHaveProperty("d"); // public part only
  const ok = verify(
    "sha256",
    Buffer.from(`${h}.${p}`),
    createPublicKey({ key: jwk!, format: "jwk" }),
    Buffer.from(s, "base64url"),
  );
  expect(ok).toBe(true);
  return JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, any>;
}

describe("test IdP", () => {
  it("serves an http issuer with discovery", () => {
    expect(idp.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(discovery.issuer).toBe(idp.issuer);
  });

  it("runs authorization code + PKCE, refreshes, and refuses refresh once the account is gone", async () => {
    const browser = new TestBrowser();
    const auth = authorizationRequest();
    const page = await loginAtIdp(browser, auth.url, "alice", alice.password);

    expect(page.status).toBe(200);
    const callback = new URL(page.url);
    expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri);
    expect(callback.searchParams.get("state")).toBe(auth.state);
    expect(callback.searchParams.get("iss")).toBe(idp.issuer);
    const code = callback.searchParams.get("code");
    expect(code).toBeTruthy();
    // No consent page: the login granted it.
    expect(browser.visits.some((v) => v.includes("/interaction/"))).toBe(true);
    expect(await browser.cookies(idp.issuer)).toContain("_session=");

    const tokens = await tokenRequest({
      grant_type: "authorization_code",
      code: code!,
      redirect_uri: redirectUri,
      code_verifier: auth.verifier,
    });
    expect(tokens.status).toBe(200);
    expect(tokens.body["refresh_token"]).toEqual(expect.any(String));
    expect(tokens.body["expires_in"]).toBeLessThanOrEqual(120);
    const idToken = await verifyWithJwks(tokens.body["id_token"]);
    expect(idToken).toMatchObject({
      iss: idp.issuer,
      aud: clientId,
      sub: alice.sub,
      nonce: auth.nonce,
      preferred_username: "alice",
      email: "alice@example.test",
      groups: ["eng-db", "db-admins"],
    });

    // Groups changed at the IdP show up at the next refresh; refresh tokens rotate.
    idp.setAccount({ ...alice, claims: { ...alice.claims, groups: ["eng-db"] } });
    const refreshed = await tokenRequest({
      grant_type: "refresh_token",
      refresh_token: tokens.body["refresh_token"],
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body["refresh_token"]).toEqual(expect.any(String));
    expect(refreshed.body["refresh_token"]).not.toBe(tokens.body["refresh_token"]);
    expect(await verifyWithJwks(refreshed.body["id_token"])).toMatchObject({
      sub: alice.sub,
      groups: ["eng-db"],
    });

    idp.removeAccount(alice.sub);
    const refused = await tokenRequest({
      grant_type: "refresh_token",
      refresh_token: refreshed.body["refresh_token"],
    });
    expect(refused.status).toBe(400);
    expect(refused.body["error"]).toBe("invalid_grant");

    // Refused for the missing account alone: the token was not spent, and works again
    // once the IdP knows the user again.
    idp.setAccount(alice);
    const again = await tokenRequest({
      grant_type: "refresh_token",
      refresh_token: refreshed.body["refresh_token"],
    });
    expect(again.status).toBe(200);
  });

  it("needs the PKCE verifier, and a replayed code revokes what it gave", async () => {
    const browser = new TestBrowser();
    const auth = authorizationRequest("openid profile email");
    const page = await loginAtIdp(browser, auth.url, alice.sub, alice.password, {
      stopAt: (u) => u.href.startsWith(redirectUri),
    });
    // Stopped before the client's callback: it was never fetched.
    expect(page.status).toBe(303);
    expect(page.stoppedAt).toBeDefined();
    expect(browser.visits).not.toContain(page.stoppedAt);
    const code = new URL(page.stoppedAt!).searchParams.get("code")!;
    const exchange = { grant_type: "authorization_code", code, redirect_uri: redirectUri };

    const noVerifier = await tokenRequest(exchange);
    expect(noVerifier.status).toBe(400);
    expect(noVerifier.body["error"]).toBe("invalid_grant");
    const wrongVerifier = await tokenRequest({ ...exchange, code_verifier: "x".repeat(43) });
    expect(wrongVerifier.status).toBe(400);

    const tokens = await tokenRequest({ ...exchange, code_verifier: auth.verifier });
    expect(tokens.status).toBe(200);
    // Airlock's default scopes (no "groups" scope) still get the groups, under "profile".
    expect(await verifyWithJwks(tokens.body["id_token"])).toMatchObject({
      preferred_username: "alice",
      email: "alice@example.test",
      groups: ["eng-db", "db-admins"],
    });
    const replay = await tokenRequest({ ...exchange, code_verifier: auth.verifier });
    expect(replay.status).toBe(400);
    expect(replay.body["error"]).toBe("invalid_grant");
    const refresh = await tokenRequest({
      grant_type: "refresh_token",
      refresh_token: tokens.body["refresh_token"],
    });
    expect(refresh.status).toBe(400);
    expect(refresh.body["error"]).toBe("invalid_grant");
  });

  it("signs in once per browser; new scopes are consented without a page", async () => {
    const browser = new TestBrowser();
    const first = authorizationRequest("openid profile");
    await loginAtIdp(browser, first.url, "alice", alice.password);

    // Same scopes again: the IdP session answers, no interaction at all.
    browser.visits = [];
    const again = await browser.open(authorizationRequest("openid profile").url);
    expect(again.status).toBe(200);
    expect(new URL(again.url).searchParams.get("code")).toBeTruthy();
    expect(browser.visits.some((v) => v.includes("/interaction/"))).toBe(false);

    // More scopes: a consent interaction, granted on the spot.
    browser.visits = [];
    const more = authorizationRequest("openid profile email");
    const page = await browser.open(more.url);
    expect(page.status).toBe(200);
    expect(new URL(page.url).searchParams.get("state")).toBe(more.state);
    expect(browser.visits.some((v) => v.includes("/interaction/"))).toBe(true);
    const tokens = await tokenRequest({
      grant_type: "authorization_code",
      code: new URL(page.url).searchParams.get("code")!,
      redirect_uri: redirectUri,
      code_verifier: more.verifier,
    });
    expect(tokens.status).toBe(200);
    expect(await verifyWithJwks(tokens.body["id_token"])).toMatchObject({
      email: "alice@example.test",
    });
  });

  it("re-renders the login form with 401 on a wrong password", async () => {
    const browser = new TestBrowser();
    const auth = authorizationRequest();
    const form = await browser.open(auth.url);
    expect(form.status).toBe(200);
    expect(form.url).toContain("/interaction/");

    const wrong = await browser.submit(form, { login: "alice", password: "wrong" });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('name="password"');
    expect(wrong.body).toContain("Invalid login or password");

    const unknown = await browser.submit(wrong, { login: "mallory", password: alice.password });
    expect(unknown.status).toBe(401);

    // The same interaction still completes with the right password.
    const ok = await browser.submit(unknown, { login: "alice", password: alice.password });
    expect(ok.status).toBe(200);
    expect(new URL(ok.url).searchParams.get("state")).toBe(auth.state);
  });

  it("signs arbitrary JWTs with the key published in its JWKS", async () => {
    const forged = await idp.signWithIdpKey({
      iss: idp.issuer,
      aud: clientId,
      sub: "someone",
      exp: Math.floor(Date.now() / 1000) + 60,
    });
    expect(await verifyWithJwks(forged)).toMatchObject({ sub: "someone" });
  });
});
