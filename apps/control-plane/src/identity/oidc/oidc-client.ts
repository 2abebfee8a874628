// Airlock as an OIDC relying party: discovery (lazily, at the first login, so an
// unreachable IdP never stops the control plane), the passport-openidconnect strategy with
// the two things that package lacks (PKCE and ID-token signature checks), and refreshes at
// the IdP for the deprovisioning recheck. docs/design/0009-oidc-login.md.
import { createHash, randomBytes } from "node:crypto";
import { Inject, Injectable } from "@nestjs/common";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { Passport } from "passport";

type PassportInstance = InstanceType<typeof Passport>;
import { Strategy as OpenIdStrategy } from "passport-openidconnect";
import type { Logger } from "pino";
import { APP_CONFIG, ROOT_LOGGER } from "../../config/config.tokens";
import type { AppConfig, OidcConfig } from "../../config/config.types";
import { Unavailable } from "../../errors/domain-errors";
import { LoginRequests, type PendingLogin } from "../login/login-requests";

const DISCOVERY_TIMEOUT_MS = 5000;
const TOKEN_TIMEOUT_MS = 10_000;
/** Asymmetric JWS algorithms only: never `none`, never HMAC (which a client secret could forge). */
const ASYMMETRIC = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
];

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  id_token_signing_alg_values_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
}

/** What the strategy's verify callback hands back after a good callback. */
export interface IdpLogin {
  claims: JWTPayload & Record<string, unknown>;
  idpRefreshToken: string | null;
  pending: PendingLogin;
}

/** The IdP's answer to a refresh: still valid (maybe with a new refresh token), or refused. */
export type IdpRecheck =
  | { kind: "valid"; refreshToken: string | null }
  | { kind: "refused"; error: string; description: string };

export function pkceChallenge(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

type TokenCallback = (
  err: { statusCode?: number; data?: string } | Error | null,
  accessToken?: string,
  refreshToken?: string,
  params?: Record<string, unknown>,
) => void;

/** The parts of passport-openidconnect's strategy this file touches (it ships no types). */
interface StrategyInternals {
  _oauth2: {
    getOAuthAccessToken: (code: string, params: Record<string, string>, cb: TokenCallback) => void;
  };
  authorizationParams: (options: { pkceChallenge?: string }) => object;
}

@Injectable()
export class OidcClient {
  private readonly logger: Logger;
  private readonly oidc: OidcConfig | null;
  private discovered: Promise<Discovery> | undefined;
  private jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  private passport: Promise<PassportInstance> | undefined;
  /** PKCE verifiers between the state check and the token request, by authorization code. */
  private readonly verifiers = new Map<string, string>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly requests: LoginRequests,
  ) {
    this.logger = root.child({ component: "oidc" });
    this.oidc = config.oidc;
  }

  get enabled(): boolean {
    return this.oidc !== null;
  }

  get settings(): OidcConfig {
    if (this.oidc === null)
      throw new Unavailable("OIDC login is not configured (AIRLOCK_OIDC_ISSUER is unset)");
    return this.oidc;
  }

  get callbackUrl(): string {
    return `${this.config.publicUrl}/auth/callback`;
  }

  /** The passport instance with the strategy, built at the first login. */
  passportInstance(): Promise<PassportInstance> {
    this.passport ??= this.buildPassport().catch((err: unknown) => {
      this.passport = undefined;
      throw err;
    });
    return this.passport;
  }

  /** passport.authenticate with Airlock's strategy, typed as the middleware it returns. */
  async middleware(
    options: object,
    callback?: (err: unknown, login: IdpLogin | false, info?: { message?: string }) => void,
  ): Promise<(req: unknown, res: unknown, next: (err?: unknown) => void) => void> {
    const passport = await this.passportInstance();
    return passport.authenticate("airlock-oidc", options, callback) as (
      req: unknown,
      res: unknown,
      next: (err?: unknown) => void,
    ) => void;
  }

  newVerifier(): { verifier: string; challenge: string } {
    const verifier = randomBytes(32).toString("base64url");
    return { verifier, challenge: pkceChallenge(verifier) };
  }

  private async discovery(): Promise<Discovery> {
    this.discovered ??= this.fetchDiscovery().catch((err: unknown) => {
      this.discovered = undefined;
      throw err;
    });
    return this.discovered;
  }

  private async fetchDiscovery(): Promise<Discovery> {
    const issuer = this.settings.issuer;
    const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
    let doc: Discovery;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      doc = (await res.json()) as Discovery;
    } catch (err) {
      this.logger.warn({ err, url }, "OIDC discovery failed");
      throw new Unavailable(
        `the identity provider ${issuer} did not answer its discovery document (${(err as Error).message}); try again later`,
      );
    }
    for (const field of [
      "issuer",
      "authorization_endpoint",
      "token_endpoint",
      "jwks_uri",
    ] as const) {
      if (typeof doc[field] !== "string")
        throw new Unavailable(`the identity provider's discovery document has no ${field}`);
    }
    if (doc.issuer !== issuer) {
      throw new Unavailable(
        `the identity provider says its issuer is ${doc.issuer}, but AIRLOCK_OIDC_ISSUER is ${issuer}; they must match exactly (mind a trailing slash)`,
      );
    }
    this.jwks = createRemoteJWKSet(new URL(doc.jwks_uri));
    return doc;
  }

  private async buildPassport(): Promise<PassportInstance> {
    const doc = await this.discovery();
    const settings = this.settings;
    const store = {
      store: (
        _req: unknown,
        ctx: { nonce?: string },
        appState: PendingLogin,
        _meta: unknown,
        cb: (err: Error | null, handle?: string) => void,
      ) => {
        this.requests.savePending({ ...appState, nonce: ctx.nonce ?? "" }).then(
          (handle) => cb(null, handle),
          (err: Error) => cb(err),
        );
      },
      verify: (
        req: { query: Record<string, unknown>; airlockPending?: PendingLogin },
        handle: string,
        cb: (err: Error | null, ctx?: unknown, state?: unknown) => void,
      ) => {
        this.requests.takePending(String(handle ?? "")).then(
          (pending) => {
            if (pending === null) {
              cb(null, false, {
                message:
                  "the login link is unknown, used or expired (10 minutes); start the login again",
              });
              return;
            }
            req.airlockPending = pending;
            const code = req.query["code"];
            if (typeof code === "string") this.verifiers.set(code, pending.codeVerifier);
            cb(null, { nonce: pending.nonce }, pending);
          },
          (err: Error) => cb(err),
        );
      },
    };
    const strategy = new OpenIdStrategy(
      {
        issuer: doc.issuer,
        authorizationURL: doc.authorization_endpoint,
        tokenURL: doc.token_endpoint,
        clientID: settings.clientId,
        clientSecret: settings.clientSecret,
        callbackURL: this.callbackUrl,
        // passport-openidconnect puts "openid" in front itself.
        scope: settings.scopes.filter((s) => s !== "openid"),
        nonce: "true",
        store,
        skipUserProfile: true,
        passReqToCallback: true,
      } as unknown as ConstructorParameters<typeof OpenIdStrategy>[0],
      // @ts-expect-error the arity-9 form with passReqToCallback is not in the package's types
      // Arity 9 with passReqToCallback: (req, iss, profile, context, idToken, accessToken, refreshToken, params, done).
      (
        req: { airlockPending?: PendingLogin },
        _iss: string,
        _profile: unknown,
        _context: unknown,
        idToken: string,
        _accessToken: string,
        refreshToken: string | undefined,
        _params: unknown,
        done: (err: Error | null, user?: IdpLogin | false, info?: { message: string }) => void,
      ): void => {
        const pending = req.airlockPending;
        if (pending === undefined) {
          done(null, false, { message: "the login state was lost; start the login again" });
          return;
        }
        this.verifyIdToken(idToken, pending.nonce).then(
          (claims) =>
            done(null, {
              claims,
              idpRefreshToken:
                refreshToken === undefined || refreshToken === "" ? null : refreshToken,
              pending,
            }),
          (err: Error) => done(null, false, { message: err.message }),
        );
      },
    );
    const internals = strategy as unknown as StrategyInternals;
    // PKCE (RFC 7636): the challenge goes into the authorization request…
    internals.authorizationParams = (options) =>
      options.pkceChallenge === undefined
        ? {}
        : { code_challenge: options.pkceChallenge, code_challenge_method: "S256" };
    // …and the verifier into the token request, which Airlock makes itself (client_secret_basic).
    internals._oauth2.getOAuthAccessToken = (code, params, cb) => {
      const verifier = this.verifiers.get(code);
      this.verifiers.delete(code);
      this.tokenRequest(doc, {
        ...params,
        code,
        ...(verifier === undefined ? {} : { code_verifier: verifier }),
      }).then(
        ({ status, json, text }) => {
          if (status !== 200) {
            cb({ statusCode: status, data: text });
            return;
          }
          cb(
            null,
            typeof json["access_token"] === "string" ? json["access_token"] : "",
            json["refresh_token"] as string | undefined,
            json,
          );
        },
        (err: Error) => cb(err),
      );
    };
    const passport = new Passport();
    passport.use("airlock-oidc", strategy as unknown as Parameters<PassportInstance["use"]>[1]);
    return passport;
  }

  /** Signature (asymmetric only), issuer, audience, expiry and nonce of the IdP's ID token. */
  async verifyIdToken(
    idToken: string,
    nonce: string,
  ): Promise<JWTPayload & Record<string, unknown>> {
    const doc = await this.discovery();
    const settings = this.settings;
    const advertised = doc.id_token_signing_alg_values_supported ?? ["RS256"];
    const algorithms = advertised.filter((a) => ASYMMETRIC.includes(a));
    if (algorithms.length === 0)
      throw new Error(
        "the identity provider signs ID tokens only with algorithms Airlock does not accept (asymmetric ones only)",
      );
    try {
      const { payload } = await jwtVerify(
        idToken,
        this.jwks as ReturnType<typeof createRemoteJWKSet>,
        {
          issuer: doc.issuer,
          audience: settings.clientId,
          algorithms,
          requiredClaims: ["sub", "exp", "iat"],
          clockTolerance: 30,
        },
      );
      if (nonce !== "" && payload["nonce"] !== nonce)
        throw new Error("the ID token's nonce does not match the login");
      return payload;
    } catch (err) {
      throw new Error(`the identity provider's ID token was refused: ${idTokenReason(err)}`);
    }
  }

  /** Refreshes at the IdP: `refused` only when the IdP says so (not on network errors). */
  async recheck(refreshToken: string): Promise<IdpRecheck> {
    const doc = await this.discovery();
    const { status, json } = await this.tokenRequest(doc, {
      grant_type: "refresh_token",
      refresh_token: refreshToken,
    });
    if (status === 200) {
      const next = json["refresh_token"];
      return { kind: "valid", refreshToken: typeof next === "string" && next !== "" ? next : null };
    }
    const error = typeof json["error"] === "string" ? json["error"] : "";
    if (status === 400 || status === 401) {
      if (
        error === "invalid_grant" ||
        error === "unauthorized_client" ||
        error === "invalid_client"
      ) {
        const description =
          typeof json["error_description"] === "string" ? json["error_description"] : error;
        return { kind: "refused", error, description };
      }
    }
    throw new Error(`the identity provider answered the refresh with HTTP ${status} ${error}`);
  }

  private async tokenRequest(
    doc: Discovery,
    params: Record<string, string>,
  ): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
    const settings = this.settings;
    const methods = doc.token_endpoint_auth_methods_supported ?? ["client_secret_basic"];
    const basic =
      methods.includes("client_secret_basic") || !methods.includes("client_secret_post");
    const body = new URLSearchParams(params);
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    };
    if (basic) {
      // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
      const id = encodeURIComponent(settings.clientId);
      const secret = encodeURIComponent(settings.clientSecret);
      headers["authorization"] = `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
    } else {
      body.set("client_id", settings.clientId);
      body.set("client_secret", settings.clientSecret);
    }
    const res = await fetch(doc.token_endpoint, {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Not JSON: the status tells the caller what happened.
    }
    return { status: res.status, json, text };
  }
}

function idTokenReason(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return "it has expired";
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return `claim ${err.claim} is invalid (${err.reason})`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return "its algorithm is not accepted";
  if (err instanceof joseErrors.JWSSignatureVerificationFailed)
    return "its signature does not verify";
  if (err instanceof joseErrors.JWKSNoMatchingKey)
    return "no key of the identity provider matches it";
  if (err instanceof Error) return err.message;
  return "it could not be verified";
}
