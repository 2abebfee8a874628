// A fake control plane for the CLI's login tests: a real HTTP server on 127.0.0.1 that speaks
// the login contract of docs/design/0009-oidc-login.md (the `/auth/*` endpoints and whoami),
// typed below. It stands in for the control plane only in these unit tests; the end-to-end
// suites run the CLI against the real one.
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

// ---- The contract --------------------------------------------------------------------------

/** `GET /auth/config`. */
export interface AuthConfigBody {
  oidc: boolean;
  issuer?: string;
}

/** `POST /auth/device`. */
export interface DeviceBody {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** The three grants of `POST /auth/token`. */
export type TokenRequestBody =
  | {
      grant_type: "authorization_code";
      code: string;
      code_verifier: string;
      redirect_uri: string;
    }
  | { grant_type: "urn:ietf:params:oauth:grant-type:device_code"; device_code: string }
  | { grant_type: "refresh_token"; refresh_token: string };

export interface ContractUser {
  name: string;
  kind: "human" | "service_account";
  role: "admin" | "auditor" | "user";
}

/** 200 from `POST /auth/token`. */
export interface TokenBody {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token: string;
  user: ContractUser;
}

export type TokenErrorCode =
  | "authorization_pending"
  | "slow_down"
  | "expired_token"
  | "access_denied"
  | "invalid_grant"
  | "invalid_request"
  | "unsupported_grant_type";

/** 400 from `POST /auth/token`. */
export interface TokenErrorBody {
  error: TokenErrorCode;
  error_description: string;
}

/** `GET /api/v1/identity/whoami`. */
export interface WhoamiBody {
  user: ContractUser & { id: string; displayName?: string; email?: string };
  owner?: { id: string; name: string };
  groups: string[];
  authMethod: "api_key" | "oidc";
  approves?: string[];
  loginSession?: { id: string; expiresAt: string };
  apiKey?: { id: string; connections: string[]; expiresAt: string | null };
}

// ---- The fake ------------------------------------------------------------------------------

export const ALICE: WhoamiBody["user"] = {
  id: "0b7c2d4e-6f80-4c1b-9a51-3f0c1a528d7e",
  name: "alice",
  kind: "human",
  role: "user",
  displayName: "Alice Liddell",
  email: "alice@example.com",
};

/** An API key the fake accepts, as a service account's. */
export const API_KEY = `alk_key_${"a1".repeat(6)}_${"k".repeat(43)}`;

export const USER_CODE = "ABCD-EFGH";

/** What a device code does when polled. */
export type DeviceScript = {
  /** `authorization_pending` answers before the outcome. */
  pending: number;
  outcome: "approve" | "access_denied" | "expired_token";
};

interface LoginSession {
  id: string;
  revoked: boolean;
  expiresAt: string;
}

export interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface FakeOptions {
  oidc?: boolean;
  /** `expires_in` of issued access tokens. */
  accessTtlSeconds?: number;
  /** Delay before answering a refresh grant, to widen race windows. */
  refreshDelayMs?: number;
  device?: DeviceScript;
  /** The IdP's answer at /auth/login: a code, or an error. */
  browserOutcome?: "approve" | { error: string; description: string };
}

export class FakeControlPlane {
  readonly seen: Seen[] = [];
  /** Refresh grants per refresh token presented. */
  readonly refreshUses = new Map<string, number>();
  /** Refresh tokens presented after they were used: each revoked a login. */
  readonly reuses: string[] = [];
  readonly logouts: string[] = [];
  /** Access tokens the fake refuses though they have not expired (revoked behind our back). */
  readonly rejectedAccessTokens = new Set<string>();
  /** Refuse every access token (the login was revoked, but not its refresh token). */
  rejectEveryAccessToken = false;
  private readonly sessions = new Map<string, LoginSession>();
  private readonly refreshTokens = new Map<string, { session: string; used: boolean }>();
  private readonly accessTokens = new Map<string, { session: string; expires: number }>();
  private readonly codes = new Map<string, { challenge: string; redirectUri: string }>();
  private readonly devices = new Map<string, { polls: number }>();
  private server: Server | undefined;
  url = "";

  constructor(readonly options: FakeOptions = {}) {}

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      void this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "internal", message: String(error) } }));
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    this.url = `http://127.0.0.1:${address.port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Requests to `path` (without the query), as `METHOD /path`. */
  count(method: string, path: string): number {
    return this.seen.filter((s) => s.method === method && s.path === path).length;
  }

  /** Grants seen at /auth/token, by grant_type. */
  grants(type: TokenRequestBody["grant_type"]): TokenRequestBody[] {
    return this.seen
      .filter((s) => s.path === "/auth/token")
      .map((s) => s.body as TokenRequestBody)
      .filter((b) => b.grant_type === type);
  }

  /** A login as if made earlier: tokens to put in a config file (expiring in `ttlSeconds`). */
  issueLogin(ttlSeconds: number): { accessToken: string; refreshToken: string; expiresAt: string } {
    const session = this.newSession();
    const tokens = this.issueTokens(session.id, ttlSeconds);
    return {
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString(),
    };
  }

  sessionOf(refreshToken: string): LoginSession | undefined {
    const entry = this.refreshTokens.get(refreshToken);
    return entry === undefined ? undefined : this.sessions.get(entry.session);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    const text = await readBody(req);
    const body: unknown = text === "" ? undefined : JSON.parse(text);
    this.seen.push({
      method: req.method ?? "",
      path: url.pathname,
      authorization: req.headers.authorization,
      body,
    });
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case "GET /auth/config":
        return json(res, 200, {
          oidc: this.options.oidc ?? true,
          issuer: "https://idp.example",
        } satisfies AuthConfigBody);
      case "GET /auth/login":
        return this.login(url, res);
      case "POST /auth/device":
        return this.device(res);
      case "POST /auth/token":
        return this.token(body as TokenRequestBody, res);
      case "POST /auth/logout":
        return this.logout(body as { refresh_token: string }, res);
      case "GET /api/v1/identity/whoami":
        return this.whoami(req.headers.authorization, res);
      default:
        return json(res, 404, { error: { code: "not_found", message: `no route ${route}` } });
    }
  }

  /** The IdP round trip, skipped: straight back to the CLI's loopback with a code. */
  private login(url: URL, res: ServerResponse): void {
    const redirectUri = url.searchParams.get("redirect_uri") ?? "";
    const state = url.searchParams.get("state") ?? "";
    const challenge = url.searchParams.get("code_challenge") ?? "";
    if (
      !/^http:\/\/127\.0\.0\.1:\d+\/callback$/.test(redirectUri) ||
      url.searchParams.get("code_challenge_method") !== "S256" ||
      challenge === "" ||
      state === ""
    ) {
      return json(res, 400, { error: "invalid_request", error_description: "bad login request" });
    }
    const target = new URL(redirectUri);
    const outcome = this.options.browserOutcome ?? "approve";
    if (outcome === "approve") {
      const code = randomBytes(16).toString("base64url");
      this.codes.set(code, { challenge, redirectUri });
      target.searchParams.set("code", code);
    } else {
      target.searchParams.set("error", outcome.error);
      target.searchParams.set("error_description", outcome.description);
    }
    target.searchParams.set("state", state);
    res.writeHead(302, { location: target.toString() });
    res.end();
  }

  private device(res: ServerResponse): void {
    const deviceCode = randomBytes(16).toString("base64url");
    this.devices.set(deviceCode, { polls: 0 });
    json(res, 200, {
      device_code: deviceCode,
      user_code: USER_CODE,
      verification_uri: `${this.url}/auth/device`,
      verification_uri_complete: `${this.url}/auth/device?user_code=${USER_CODE}`,
      expires_in: 600,
      interval: 1,
    } satisfies DeviceBody);
  }

  private async token(body: TokenRequestBody, res: ServerResponse): Promise<void> {
    const fail = (error: TokenErrorCode, description: string): void =>
      json(res, 400, { error, error_description: description } satisfies TokenErrorBody);
    switch (body.grant_type) {
      case "authorization_code": {
        const entry = this.codes.get(body.code);
        this.codes.delete(body.code);
        if (entry === undefined) return fail("invalid_grant", "unknown or used code");
        if (entry.redirectUri !== body.redirect_uri) {
          return fail("invalid_grant", "redirect_uri does not match");
        }
        if (s256(body.code_verifier) !== entry.challenge) {
          return fail("invalid_grant", "code_verifier does not match the challenge");
        }
        return json(res, 200, this.issueTokens(this.newSession().id));
      }
      case "urn:ietf:params:oauth:grant-type:device_code": {
        const entry = this.devices.get(body.device_code);
        if (entry === undefined) return fail("invalid_grant", "unknown device code");
        const script = this.options.device ?? { pending: 0, outcome: "approve" };
        if (entry.polls++ < script.pending) {
          return fail("authorization_pending", "the user has not logged in yet");
        }
        this.devices.delete(body.device_code);
        if (script.outcome === "access_denied") {
          return fail("access_denied", "the user declined the login");
        }
        if (script.outcome === "expired_token") return fail("expired_token", "code expired");
        return json(res, 200, this.issueTokens(this.newSession().id));
      }
      case "refresh_token": {
        const token = body.refresh_token;
        this.refreshUses.set(token, (this.refreshUses.get(token) ?? 0) + 1);
        if (this.options.refreshDelayMs !== undefined) await delay(this.options.refreshDelayMs);
        const entry = this.refreshTokens.get(token);
        if (entry === undefined) return fail("invalid_grant", "unknown refresh token");
        const session = this.sessions.get(entry.session);
        if (session === undefined || session.revoked) {
          return fail("invalid_grant", "the login was revoked");
        }
        if (entry.used) {
          // Reuse: one of the two holders is a thief; the whole login ends.
          this.reuses.push(token);
          session.revoked = true;
          return fail("invalid_grant", "refresh token reused; the login was revoked");
        }
        entry.used = true;
        return json(res, 200, this.issueTokens(session.id));
      }
      default:
        return fail("unsupported_grant_type", "unsupported grant_type");
    }
  }

  private logout(body: { refresh_token: string }, res: ServerResponse): void {
    this.logouts.push(body.refresh_token);
    const session = this.sessionOf(body.refresh_token);
    if (session !== undefined) session.revoked = true;
    res.writeHead(204);
    res.end();
  }

  private whoami(authorization: string | undefined, res: ServerResponse): void {
    const bearer = /^Bearer (.+)$/.exec(authorization ?? "")?.[1] ?? "";
    if (bearer === API_KEY) {
      return json(res, 200, {
        user: { id: "5e0c", name: "etl-bot", kind: "service_account", role: "user" },
        owner: { id: ALICE.id, name: ALICE.name },
        groups: [],
        authMethod: "api_key",
        apiKey: { id: "k1", connections: ["demo"], expiresAt: null },
      } satisfies WhoamiBody);
    }
    const access = this.accessTokens.get(bearer);
    const session = access === undefined ? undefined : this.sessions.get(access.session);
    if (
      access === undefined ||
      session === undefined ||
      session.revoked ||
      access.expires <= Date.now() ||
      this.rejectedAccessTokens.has(bearer) ||
      this.rejectEveryAccessToken
    ) {
      return json(res, 401, { error: { code: "unauthenticated", message: "invalid token" } });
    }
    json(res, 200, {
      user: ALICE,
      groups: ["dba", "engineers"],
      authMethod: "oidc",
      approves: ["demo/ddl-needs-dba"],
      loginSession: { id: session.id, expiresAt: session.expiresAt },
    } satisfies WhoamiBody);
  }

  private newSession(): LoginSession {
    const session = {
      id: randomBytes(8).toString("hex"),
      revoked: false,
      expiresAt: new Date(Date.now() + 12 * 3600_000).toISOString(),
    };
    this.sessions.set(session.id, session);
    return session;
  }

  private issueTokens(session: string, ttlSeconds?: number): TokenBody {
    const ttl = ttlSeconds ?? this.options.accessTtlSeconds ?? 900;
    const access = fakeJwt(session);
    const refresh = `alk_rt_${randomBytes(6).toString("hex")}_${randomBytes(32).toString("base64url")}`;
    this.accessTokens.set(access, { session, expires: Date.now() + ttl * 1000 });
    this.refreshTokens.set(refresh, { session, used: false });
    return {
      access_token: access,
      token_type: "Bearer",
      expires_in: ttl,
      refresh_token: refresh,
      user: { name: ALICE.name, kind: ALICE.kind, role: ALICE.role },
    };
  }
}

export function s256(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

/** Looks like a JWT (three base64url parts); nobody verifies it here. */
function fakeJwt(session: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return [
    part({ alg: "EdDSA", typ: "JWT" }),
    part({ sid: session, jti: randomBytes(8).toString("hex") }),
    randomBytes(32).toString("base64url"),
  ].join(".");
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
