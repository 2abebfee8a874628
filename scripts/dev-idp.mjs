// A real OpenID Connect provider (oidc-provider 9) over plain http, for the tests
// (test/support/oidc-idp.ts re-exports it) and for `npm run demo` (scripts/demo.mjs).
// Plain JavaScript so that the demo runs it without a TypeScript loader; the types are in
// dev-idp.d.mts. Accounts are mutable: change someone's groups with setAccount, or make the
// IdP forget them with removeAccount, after which their refresh grants fail with
// invalid_grant (the deprovisioning path of docs/design/0009-oidc-login.md).
//
//   const idp = await startTestIdp({
//     clients: [{ clientId: "airlock", clientSecret: "s3cret", redirectUris: [`${base}/auth/callback`] }],
//     accounts: [{ sub: "u-1", password: "pw", claims: { preferred_username: "alice", email: "alice@example.test", groups: ["eng-db"] } }],
//   });
//   ... AIRLOCK_OIDC_ISSUER=idp.issuer ...
//   await idp.stop();
//
// What the IdP does:
// - listens on `host` (default 127.0.0.1) and `port` (default 0: a free one); the issuer is
//   http://<host>:<port>;
// - login form at /interaction/<uid> (our own, not oidc-provider's devInteractions): the
//   login is the account's `sub` or its `preferred_username`; a wrong one re-renders the
//   form with status 401. A successful login also grants consent for everything asked, so
//   the browser goes straight back to the client;
// - ID tokens carry the account's claims (conformIdTokenClaims: false): `preferred_username`,
//   `name`, `groups` and every other claim key the accounts given at start have, under the
//   `profile` scope; `email`, `email_verified` under `email`; `groups` also has a scope of
//   its own. A claim key first introduced by a later setAccount is not released;
// - a refresh token on every code grant of a client allowed the refresh_token grant (no
//   offline_access or prompt=consent needed), not bound to the IdP's browser session, and
//   rotated at each use (like Keycloak and Okta; the old one then fails with invalid_grant,
//   and presenting it again revokes the whole grant);
// - PKCE (S256) is accepted, not required; clients authenticate with client_secret_basic;
// - everything (grants, tokens, browser sessions) lives in memory, and the RS256 signing
//   key is generated at each start: a restarted IdP knows none of the tokens it issued
//   before, so keeping the key would not keep a login alive.

import { generateKeyPairSync, randomUUID, sign } from "node:crypto";
import { createServer } from "node:http";

/** @typedef {import("node:http").IncomingMessage} IncomingMessage */
/** @typedef {import("node:http").ServerResponse} ServerResponse */
/** @typedef {import("./dev-idp.d.mts").IdpAccount} IdpAccount */
/** @typedef {import("./dev-idp.d.mts").TestIdp} TestIdp */
/** @typedef {import("./dev-idp.d.mts").TestIdpOptions} TestIdpOptions */
/** @typedef {{ type: string, body: unknown }} KoaContext */

// oidc-provider ships no type declarations; these are the parts of its API used here.
/**
 * @typedef {object} InteractionDetails
 * @property {string} uid
 * @property {{ name: string, reasons: string[], details: Record<string, unknown> }} prompt
 * @property {Record<string, unknown>} params
 * @property {{ accountId?: string }} [session]
 * @property {string} [grantId]
 */
/**
 * @typedef {object} OidcGrant
 * @property {(scope: string) => void} addOIDCScope
 * @property {(claims: string[]) => void} addOIDCClaims
 * @property {(indicator: string, scope: string) => void} addResourceScope
 * @property {() => Promise<string>} save
 */
/**
 * @typedef {object} OidcProvider
 * @property {() => (req: IncomingMessage, res: ServerResponse) => Promise<void>} callback
 * @property {(event: string, listener: (...args: any[]) => void) => void} on
 * @property {(req: IncomingMessage, res: ServerResponse) => Promise<InteractionDetails>} interactionDetails
 * @property {(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, opts?: { mergeWithLastSubmission?: boolean }) => Promise<void>} interactionFinished
 * @property {{ new (init: { accountId: string, clientId: string }): OidcGrant, find(id: string): Promise<OidcGrant | undefined> }} Grant
 */
/** @typedef {new (issuer: string, configuration: Record<string, unknown>) => OidcProvider} ProviderConstructor */

/**
 * @param {TestIdpOptions} opts
 * @returns {Promise<TestIdp>}
 */
export async function startTestIdp(opts) {
  /** @type {Map<string, IdpAccount>} */
  const accounts = new Map();
  for (const a of opts.accounts) accounts.set(a.sub, a);

  /** @param {string} login */
  const findByLogin = (login) =>
    accounts.get(login) ??
    [...accounts.values()].find((a) => a.claims["preferred_username"] === login);

  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomUUID();
  const signingJwk = { ...privateKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };

  // The provider needs its issuer (with the port) at construction, so listen first; the
  // request handler is attached once the provider exists (with port 0 nobody knows the port
  // before).
  const host = opts.host ?? "127.0.0.1";
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve(undefined));
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const issuer = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  const profileClaims = new Set(["preferred_username", "name", "groups"]);
  const emailClaims = ["email", "email_verified"];
  for (const a of opts.accounts) {
    for (const key of Object.keys(a.claims)) {
      if (key !== "sub" && !emailClaims.includes(key)) profileClaims.add(key);
    }
  }
  const claims = {
    openid: ["sub"],
    profile: [...profileClaims],
    email: emailClaims,
    groups: ["groups"],
  };
  const knownScopes = new Set(["openid", "offline_access", ...Object.keys(claims)]);

  /** @type {OidcProvider} */
  let provider;
  try {
    const Provider = await loadProvider();
    provider = quietly(
      () =>
        new Provider(issuer, {
          adapter: memoryAdapter(),
          jwks: { keys: [signingJwk] },
          clients: opts.clients.map((c) => ({
            client_id: c.clientId,
            client_secret: c.clientSecret,
            redirect_uris: c.redirectUris,
            grant_types: ["authorization_code", "refresh_token"],
            response_types: ["code"],
            token_endpoint_auth_method: "client_secret_basic",
          })),
          claims,
          conformIdTokenClaims: false,
          features: {
            devInteractions: { enabled: false },
            rpInitiatedLogout: {
              enabled: true,
              /** @param {KoaContext} ctx @param {string} form */
              logoutSource: (ctx, form) => {
                ctx.body = `<!DOCTYPE html><html><body>${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button></body></html>`;
              },
              /** @param {KoaContext} ctx */
              postLogoutSuccessSource: (ctx) => {
                ctx.body = "<!DOCTYPE html><html><body>Signed out</body></html>";
              },
            },
          },
          interactions: {
            /** @param {unknown} _ctx @param {{ uid: string }} interaction */
            url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
          },
          /** @param {unknown} _ctx @param {string} sub */
          findAccount: (_ctx, sub) => {
            const account = accounts.get(sub);
            if (account === undefined) return undefined;
            return {
              accountId: sub,
              claims: async () => ({ ...accounts.get(sub)?.claims, sub }),
            };
          },
          // Every code grant of a client allowed refresh_token gets a refresh token; it does
          // not die with the IdP's browser session, and is rotated at each use.
          /** @param {unknown} _ctx @param {{ grantTypeAllowed(t: string): boolean }} client */
          issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
          expiresWithSession: async () => false,
          rotateRefreshToken: true,
          pkce: { required: () => false },
          clientBasedCORS: () => false,
          /** @param {KoaContext} ctx @param {Record<string, unknown>} out */
          renderError: (ctx, out) => {
            ctx.type = "html";
            ctx.body = `<!DOCTYPE html><html><body><h1>IdP error</h1>${Object.entries(out)
              .map(([k, v]) => `<pre>${escapeHtml(k)}: ${escapeHtml(String(v))}</pre>`)
              .join("")}</body></html>`;
          },
          ttl: {
            AccessToken: opts.accessTokenTtlSeconds ?? 3600,
            AuthorizationCode: 60,
            IdToken: 3600,
            RefreshToken: 14 * 24 * 3600,
            Interaction: 3600,
            Session: 14 * 24 * 3600,
            Grant: 14 * 24 * 3600,
          },
        }),
    );
  } catch (err) {
    server.close();
    throw err;
  }
  provider.on("server_error", (/** @type {unknown} */ _ctx, /** @type {unknown} */ err) => {
    console.error("dev IdP server_error:", err);
  });

  /**
   * A grant for everything the authorization request asked (scopes, claims parameter).
   * @param {InteractionDetails} details
   * @param {string} accountId
   * @returns {Promise<string>}
   */
  async function grantAll(details, accountId) {
    const grant =
      (details.grantId !== undefined ? await provider.Grant.find(details.grantId) : undefined) ??
      new provider.Grant({
        accountId,
        clientId: /** @type {string} */ (details.params["client_id"]),
      });
    const requestedScope = details.params["scope"];
    const scope = (typeof requestedScope === "string" ? requestedScope : "")
      .split(" ")
      .filter((s) => knownScopes.has(s));
    if (scope.length > 0) grant.addOIDCScope(scope.join(" "));
    const requestedClaims = details.params["claims"];
    if (typeof requestedClaims === "string") {
      /** @type {Record<string, Record<string, unknown> | undefined>} */
      const parsed = JSON.parse(requestedClaims);
      const names = [
        ...Object.keys(parsed["id_token"] ?? {}),
        ...Object.keys(parsed["userinfo"] ?? {}),
      ];
      if (names.length > 0) grant.addOIDCClaims(names);
    }
    const missing = details.prompt.details;
    const missingScope = missing["missingOIDCScope"];
    if (Array.isArray(missingScope)) grant.addOIDCScope(missingScope.join(" "));
    const missingClaims = missing["missingOIDCClaims"];
    if (Array.isArray(missingClaims)) grant.addOIDCClaims(missingClaims);
    const missingResourceScopes = missing["missingResourceScopes"];
    if (missingResourceScopes !== undefined && missingResourceScopes !== null) {
      for (const [indicator, scopes] of Object.entries(
        /** @type {Record<string, string[]>} */ (missingResourceScopes),
      )) {
        grant.addResourceScope(indicator, scopes.join(" "));
      }
    }
    return grant.save();
  }

  /**
   * @param {IncomingMessage} req
   * @param {ServerResponse} res
   * @param {string} path
   * @returns {Promise<void>}
   */
  async function interaction(req, res, path) {
    const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(path);
    if (match === null) return send(res, 404, "not found");
    const uid = decodeURIComponent(match[1] ?? "");
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return send(res, 400, "interaction mismatch");

    if (req.method === "GET" && match[2] === undefined) {
      switch (details.prompt.name) {
        case "login":
          return send(res, 200, loginForm(uid, opts.loginHint));
        case "consent": {
          const accountId = details.session?.accountId;
          if (accountId === undefined) return send(res, 400, "consent without a session");
          const grantId = await grantAll(details, accountId);
          return provider.interactionFinished(
            req,
            res,
            { consent: { grantId } },
            { mergeWithLastSubmission: true },
          );
        }
        default:
          return send(res, 501, `prompt ${details.prompt.name} not implemented`);
      }
    }

    if (req.method === "POST" && match[2] !== undefined) {
      if (details.prompt.name !== "login")
        return send(res, 400, `prompt is ${details.prompt.name}, not login`);
      const form = new URLSearchParams(await readBody(req));
      const account = findByLogin(form.get("login") ?? "");
      if (account === undefined || account.password !== form.get("password")) {
        return send(res, 401, loginForm(uid, opts.loginHint, "Invalid login or password."));
      }
      const grantId = await grantAll(details, account.sub);
      return provider.interactionFinished(
        req,
        res,
        { login: { accountId: account.sub }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    }

    return send(res, 405, "method not allowed");
  }

  const providerCallback = provider.callback();
  server.on("request", (req, res) => {
    const path = new URL(req.url ?? "/", issuer).pathname;
    if (path.startsWith("/interaction/")) {
      interaction(req, res, path).catch((/** @type {unknown} */ err) => {
        if (!res.headersSent) {
          const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
          send(res, isSessionNotFound(err) ? 400 : 500, `interaction failed: ${message}`);
        } else {
          res.destroy();
        }
      });
      return;
    }
    void providerCallback(req, res);
  });

  return {
    issuer,
    setAccount(a) {
      accounts.set(a.sub, a);
    },
    removeAccount(sub) {
      accounts.delete(sub);
    },
    async stop() {
      await new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
      });
    },
    async signWithIdpKey(payload, header) {
      return signJwt(privateKey, { alg: "RS256", typ: "JWT", kid, ...header }, payload);
    },
  };
}

// ---------------------------------------------------------------------------------------

/**
 * oidc-provider warns at import on any Node older than 22 ("Unsupported runtime") and, at
 * construction and first use, about defaults meant for production; for tests and the demo
 * those are noise. Its messages start with "oidc-provider WARNING" or "oidc-provider NOTICE"
 * (possibly inside terminal colour codes); everything else still prints.
 * @returns {Promise<ProviderConstructor>}
 */
async function loadProvider() {
  const restore = silenceNotices();
  try {
    // @ts-expect-error -- oidc-provider ships no types; OidcProvider above describes what is used.
    const mod = /** @type {{ default: ProviderConstructor }} */ (await import("oidc-provider"));
    return mod.default;
  } finally {
    restore();
  }
}

/**
 * @template T
 * @param {() => T} fn
 * @returns {T}
 */
function quietly(fn) {
  const restore = silenceNotices();
  try {
    return fn();
  } finally {
    restore();
  }
}

/** @returns {() => void} */
function silenceNotices() {
  const { warn, info } = console;
  /** @param {unknown[]} args */
  const isNotice = (args) =>
    typeof args[0] === "string" && /oidc-provider (WARNING|NOTICE)/.test(args[0]);
  console.warn = (...args) => {
    if (!isNotice(args)) warn.apply(console, args);
  };
  console.info = (...args) => {
    if (!isNotice(args)) info.apply(console, args);
  };
  return () => {
    console.warn = warn;
    console.info = info;
  };
}

/** @param {unknown} err */
function isSessionNotFound(err) {
  return err instanceof Error && err.name === "SessionNotFound";
}

// ---------------------------------------------------------------------------------------
// Storage: oidc-provider's own memory adapter warns at construction and is an LRU of 1000
// entries; this one keeps everything until it expires.

/** @returns {(model: string) => unknown} */
function memoryAdapter() {
  /** @type {Map<string, { value: unknown, expiresAt: number | undefined }>} */
  const store = new Map();
  /** @type {Map<string, Set<string>>} */
  const byGrant = new Map();
  const clockToleranceMs = 15_000;

  /** @param {string} key */
  const get = (key) => {
    const entry = store.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.value;
  };
  /** @param {string} key @param {unknown} value @param {number | undefined} expiresIn */
  const put = (key, value, expiresIn) => {
    const expiresAt =
      typeof expiresIn === "number" ? Date.now() + expiresIn * 1000 + clockToleranceMs : undefined;
    store.set(key, { value, expiresAt });
  };

  return (model) => {
    /** @param {string} id */
    const key = (id) => `${model}:${id}`;
    return {
      /** @param {string} id @param {Record<string, unknown>} payload @param {number} [expiresIn] */
      async upsert(id, payload, expiresIn) {
        put(key(id), payload, expiresIn);
        if (model === "Session" && typeof payload["uid"] === "string") {
          put(`sessionUid:${payload["uid"]}`, id, expiresIn);
        }
        if (typeof payload["userCode"] === "string") {
          put(`userCode:${payload["userCode"]}`, id, expiresIn);
        }
        if (model !== "Grant" && typeof payload["grantId"] === "string") {
          const members = byGrant.get(payload["grantId"]) ?? new Set();
          members.add(key(id));
          byGrant.set(payload["grantId"], members);
        }
      },
      /** @param {string} id */
      async find(id) {
        return get(key(id));
      },
      /** @param {string} uid */
      async findByUid(uid) {
        const id = get(`sessionUid:${uid}`);
        return typeof id === "string" ? get(key(id)) : undefined;
      },
      /** @param {string} userCode */
      async findByUserCode(userCode) {
        const id = get(`userCode:${userCode}`);
        return typeof id === "string" ? get(key(id)) : undefined;
      },
      /** @param {string} id */
      async consume(id) {
        const payload = get(key(id));
        if (payload !== null && typeof payload === "object") {
          const record = /** @type {Record<string, unknown>} */ (payload);
          record["consumed"] = Math.floor(Date.now() / 1000);
        }
      },
      /** @param {string} id */
      async destroy(id) {
        store.delete(key(id));
      },
      /** @param {string} grantId */
      async revokeByGrantId(grantId) {
        for (const member of byGrant.get(grantId) ?? []) store.delete(member);
        byGrant.delete(grantId);
      },
    };
  };
}

// ---------------------------------------------------------------------------------------

/**
 * @param {import("node:crypto").KeyObject} key
 * @param {Record<string, unknown>} header
 * @param {Record<string, unknown>} payload
 * @returns {string}
 */
function signJwt(key, header, payload) {
  /** @param {unknown} v */
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign("sha256", Buffer.from(input), key).toString("base64url")}`;
}

/**
 * @param {string} uid
 * @param {string | undefined} hint
 * @param {string} [error]
 * @returns {string}
 */
function loginForm(uid, hint, error) {
  const u = encodeURIComponent(uid);
  return `<!DOCTYPE html>
<html><head><title>Dev IdP sign-in</title></head><body>
${hint === undefined ? "" : `<p class="hint">${escapeHtml(hint)}</p>`}
${error === undefined ? "" : `<p class="error">${escapeHtml(error)}</p>`}
<form method="post" action="/interaction/${u}/login">
<label>User name <input name="login" autofocus></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button>
</form>
</body></html>`;
}

/**
 * @param {ServerResponse} res
 * @param {number} status
 * @param {string} body
 */
function send(res, status, body) {
  res.statusCode = status;
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  res.end(body);
}

/**
 * @param {IncomingMessage} req
 * @returns {Promise<string>}
 */
async function readBody(req) {
  /** @type {Buffer[]} */
  const chunks = [];
  for await (const chunk of req) chunks.push(/** @type {Buffer} */ (chunk));
  return Buffer.concat(chunks).toString("utf8");
}

/** @param {string} s */
function escapeHtml(s) {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
