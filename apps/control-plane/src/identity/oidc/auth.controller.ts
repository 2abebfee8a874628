// /auth: OIDC login for people (docs/design/0009-oidc-login.md). Public by nature: these
// routes are how a caller gets credentials. Every input is validated here; errors of the
// token endpoint use OAuth's `{ error, error_description }` shape, browser-facing errors a
// short HTML page that says what happened and what to do.
import { createHash, randomBytes } from "node:crypto";
import { Controller, Get, HttpCode, Inject, Post, Req, Res } from "@nestjs/common";
import { ApiTags } from "@nestjs/swagger";
import type { Logger } from "pino";
import { AuditService } from "../../audit/audit.service";
import { APP_CONFIG, ROOT_LOGGER } from "../../config/config.tokens";
import type { AppConfig } from "../../config/config.types";
import { DomainError, Unauthenticated } from "../../errors/domain-errors";
import { DocBody, DocQuery, DocResponse } from "../../validation/api-docs";
import { Public } from "../auth/auth.decorators";
import { looksLikeJwt } from "../tokens/access-tokens";
import {
  DEVICE_POLL_INTERVAL_SECONDS,
  DEVICE_TTL_SECONDS,
  type FinishedLogin,
  LoginRequests,
  type LoginTarget,
  normalizeUserCode,
  type PendingLogin,
  sha256,
} from "../login/login-requests";
import { LoginSessionsService, type TokenResponse } from "../login/login-sessions.service";
import { TokenError } from "../login/token-error";
import { encryptCredential } from "../../security/credential-cipher";
import { devicePage, errorPage, loggedInPage } from "./auth-pages";
import {
  AuthConfigSchema,
  DEVICE_GRANT,
  DeviceResponseSchema,
  LoginQuery,
  LogoutBody,
  loopbackRedirectProblem,
  TokenBody,
  TokenResponseSchema,
} from "./auth.schemas";
import { type IdpLogin, OidcClient } from "./oidc-client";
import { LoginRefused, UserProvisioning } from "./user-provisioning";

const BINDING_COOKIE = "airlock_login";

interface HttpRequest {
  query: Record<string, unknown>;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  ip?: string;
  airlockPending?: PendingLogin;
}

interface HttpResponse {
  status(code: number): HttpResponse;
  setHeader(name: string, value: string | string[]): unknown;
  type(t: string): HttpResponse;
  send(body: string): unknown;
  json(body: unknown): unknown;
  redirect(status: number, url: string): unknown;
  end(): unknown;
  headersSent: boolean;
}

/** AAD of the IdP refresh token's encryption: bound to the user it belongs to. */
export function idpTokenAad(userId: string): string {
  return `airlock-idp-refresh-token:${userId}`;
}

@ApiTags("auth")
@Public()
@Controller("auth")
export class AuthController {
  private readonly logger: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly oidc: OidcClient,
    private readonly requests: LoginRequests,
    private readonly provisioning: UserProvisioning,
    private readonly sessions: LoginSessionsService,
    private readonly audit: AuditService,
  ) {
    this.logger = root.child({ component: "oidc" });
  }

  /** What a client needs to know before it logs in. */
  @Get("config")
  @DocResponse(200, AuthConfigSchema)
  authConfig(): { oidc: boolean; issuer?: string } {
    return this.oidc.enabled ? { oidc: true, issuer: this.oidc.settings.issuer } : { oidc: false };
  }

  /** The public key that signs Airlock's access tokens. */
  @Get("jwks")
  jwks(): { keys: Array<Record<string, unknown>> } {
    return this.sessions.accessTokens.jwks();
  }

  /** Starts a login at the IdP (for the CLI's loopback callback, a device code, or the web). */
  @Get("login")
  @DocQuery(LoginQuery)
  async login(@Req() req: HttpRequest, @Res() res: HttpResponse): Promise<void> {
    if (!this.oidc.enabled) {
      this.page(
        res,
        404,
        errorPage("OIDC login is not configured on this control plane; log in with an API key"),
      );
      return;
    }
    const parsed = LoginQuery.safeParse(req.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.page(
        res,
        400,
        errorPage(`${issue?.path.join(".") ?? "query"}: ${issue?.message ?? "is invalid"}`),
      );
      return;
    }
    const target = await this.targetOf(parsed.data);
    if (typeof target === "string") {
      this.page(
        res,
        400,
        parsed.data.user_code !== undefined ? devicePage(target) : errorPage(target),
      );
      return;
    }
    try {
      await this.oidc.passportInstance();
    } catch (err) {
      this.page(
        res,
        503,
        errorPage(
          err instanceof DomainError ? err.message : "the identity provider cannot be reached",
        ),
      );
      return;
    }
    const binding = randomBytes(24).toString("base64url");
    const secure = this.config.publicUrl.startsWith("https:") ? "; Secure" : "";
    res.setHeader(
      "Set-Cookie",
      `${BINDING_COOKIE}=${binding}; Path=/auth; HttpOnly; SameSite=Lax; Max-Age=600${secure}`,
    );
    const pkce = this.oidc.newVerifier();
    const pending: Omit<PendingLogin, "nonce"> = {
      codeVerifier: pkce.verifier,
      browserHash: sha256(binding),
      target,
    };
    const start = await this.oidc.middleware({
      session: false,
      state: pending,
      pkceChallenge: pkce.challenge,
    });
    await new Promise<void>((resolve) => {
      start(req, res, (err?: unknown) => {
        this.logger.error({ err }, "could not start the OIDC login");
        if (!res.headersSent)
          this.page(
            res,
            500,
            errorPage("could not start the login; the control plane log has the details"),
          );
        resolve();
      });
      // The strategy ends the response with a redirect.
      (res as unknown as { once(e: string, f: () => void): void }).once("finish", () => resolve());
    });
  }

  /** Where the IdP sends the browser back. */
  @Get("callback")
  async callback(@Req() req: HttpRequest, @Res() res: HttpResponse): Promise<void> {
    if (!this.oidc.enabled) {
      this.page(res, 404, errorPage("OIDC login is not configured on this control plane"));
      return;
    }
    if (typeof req.query["code"] !== "string" && typeof req.query["error"] !== "string") {
      // Without a code passport would start a new login here; this URL only finishes one.
      this.page(
        res,
        400,
        errorPage(
          "this is where the identity provider returns after a login; start one at /auth/login",
        ),
      );
      return;
    }
    const outcome = await new Promise<{ login?: IdpLogin; problem?: string }>((resolve) => {
      void this.oidc
        .middleware(
          { session: false },
          (err: unknown, login: IdpLogin | false, info?: { message?: string }) => {
            if (err !== null && err !== undefined) {
              this.logger.warn({ err }, "OIDC callback failed");
              resolve({
                problem: `the identity provider refused the login: ${(err as Error).message}`,
              });
            } else if (login === false) {
              resolve({ problem: info?.message ?? "the login was not completed" });
            } else resolve({ login });
          },
        )
        .then(
          (finish) => finish(req, res, (err?: unknown) => resolve({ problem: String(err) })),
          (err: unknown) =>
            resolve({
              problem:
                err instanceof DomainError
                  ? err.message
                  : "the identity provider cannot be reached",
            }),
        );
    });
    const pending = outcome.login?.pending ?? req.airlockPending;
    if (outcome.login === undefined || pending === undefined) {
      await this.loginFailed(res, pending, outcome.problem ?? "the login was not completed");
      return;
    }
    if (!this.bindingMatches(req, pending)) {
      await this.loginFailed(
        res,
        pending,
        "this login was started in another browser (or its cookie was lost); start it again and finish it in the same browser",
      );
      return;
    }
    let provisioned;
    try {
      provisioned = await this.provisioning.provision(
        this.oidc.settings.issuer,
        outcome.login.claims,
      );
    } catch (err) {
      if (!(err instanceof LoginRefused)) throw err;
      await this.loginFailed(res, pending, err.message, outcome.login.claims);
      return;
    }
    const { user, mapped } = provisioned;
    const finished: FinishedLogin = {
      userId: user.id,
      idpRefreshToken:
        outcome.login.idpRefreshToken === null
          ? null
          : encryptCredential(
              this.config.masterKey,
              outcome.login.idpRefreshToken,
              idpTokenAad(user.id),
            ).toString("base64"),
    };
    const target = pending.target;
    switch (target.kind) {
      case "loopback": {
        const code = await this.requests.saveLoopbackCode(finished, target);
        const url = new URL(target.redirectUri);
        url.searchParams.set("code", code);
        url.searchParams.set("state", target.state);
        res.redirect(302, url.toString());
        return;
      }
      case "device": {
        const request = await this.requests.getDevice(target.deviceKey);
        if (request === null || request.status !== "pending" || request.expiresAt <= Date.now()) {
          this.page(
            res,
            400,
            errorPage("the device code expired or was used; run airlock login --no-browser again"),
          );
          return;
        }
        await this.requests.putDevice(target.deviceKey, {
          ...request,
          status: "done",
          result: finished,
        });
        this.page(
          res,
          200,
          loggedInPage(
            user,
            mapped.groups,
            "Return to your terminal: airlock login finishes there.",
          ),
        );
        return;
      }
      case "web":
        this.page(
          res,
          200,
          loggedInPage(user, mapped.groups, "To use Airlock from a terminal, run airlock login."),
        );
        return;
    }
  }

  /** Starts a device login (RFC 8628) for `airlock login --no-browser`. */
  @Post("device")
  @HttpCode(200)
  @DocResponse(200, DeviceResponseSchema)
  async device(@Res() res: HttpResponse): Promise<void> {
    if (!this.oidc.enabled) {
      res.status(400).json({
        error: "invalid_request",
        error_description:
          "OIDC login is not configured on this control plane; log in with an API key",
      });
      return;
    }
    const { deviceCode, userCode } = await this.requests.createDevice();
    const base = this.config.publicUrl;
    res.status(200).json({
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: `${base}/auth/device`,
      verification_uri_complete: `${base}/auth/login?user_code=${encodeURIComponent(userCode)}`,
      expires_in: DEVICE_TTL_SECONDS,
      interval: DEVICE_POLL_INTERVAL_SECONDS,
    });
  }

  /** The page where a person types the device's code. */
  @Get("device")
  devicePage(@Res() res: HttpResponse): void {
    this.page(res, 200, devicePage());
  }

  /** Airlock's token endpoint: a loopback code, a device code or a refresh token → tokens. */
  @Post("token")
  @HttpCode(200)
  @DocBody(TokenBody)
  @DocResponse(200, TokenResponseSchema)
  async token(@Req() req: HttpRequest, @Res() res: HttpResponse): Promise<void> {
    res.setHeader("Cache-Control", "no-store");
    try {
      const parsed = TokenBody.safeParse(req.body ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join(".") ?? "";
        const unsupported =
          field === "grant_type" &&
          typeof (req.body as { grant_type?: unknown })?.grant_type === "string";
        throw new TokenError(
          unsupported ? "unsupported_grant_type" : "invalid_request",
          field === "" || field === "grant_type"
            ? (issue?.message ?? "invalid request")
            : `${field} ${issue?.message ?? "is invalid"}`,
        );
      }
      const body = parsed.data;
      let tokens: TokenResponse;
      switch (body.grant_type) {
        case "authorization_code":
          tokens = await this.exchangeCode(body.code, body.code_verifier, body.redirect_uri);
          break;
        case DEVICE_GRANT:
          tokens = await this.exchangeDevice(body.device_code);
          break;
        case "refresh_token":
          tokens = await this.sessions.refresh(body.refresh_token);
          break;
      }
      res.status(200).json(tokens);
    } catch (err) {
      if (err instanceof TokenError) {
        res.status(400).json({ error: err.code, error_description: err.description });
        return;
      }
      throw err;
    }
  }

  /** Revokes the login session (refresh token in the body, or the access token as Bearer). */
  @Post("logout")
  @HttpCode(204)
  @DocBody(LogoutBody)
  async logout(@Req() req: HttpRequest, @Res() res: HttpResponse): Promise<void> {
    const parsed = LogoutBody.safeParse(req.body ?? {});
    try {
      if (!parsed.success)
        throw new TokenError("invalid_request", "refresh_token must be a string");
      if (parsed.data.refresh_token !== undefined) {
        await this.sessions.logoutWithRefreshToken(parsed.data.refresh_token);
      } else {
        const header = req.headers["authorization"];
        const token = /^Bearer\s+(\S+)\s*$/i.exec(
          Array.isArray(header) ? (header[0] ?? "") : (header ?? ""),
        )?.[1];
        if (token === undefined || !looksLikeJwt(token))
          throw new TokenError(
            "invalid_request",
            "send the refresh_token in the body, or the access token as Authorization: Bearer",
          );
        let principal;
        try {
          principal = await this.sessions.authenticate(token);
        } catch (err) {
          if (err instanceof Unauthenticated) {
            res.status(204).end();
            return;
          }
          throw err;
        }
        if (principal.loginSessionId !== null)
          await this.sessions.logoutSession(principal.loginSessionId);
      }
      res.status(204).end();
    } catch (err) {
      if (err instanceof TokenError) {
        res.status(400).json({ error: err.code, error_description: err.description });
        return;
      }
      throw err;
    }
  }

  // ---- helpers ---------------------------------------------------------------------

  private async targetOf(query: LoginQuery): Promise<LoginTarget | string> {
    if (query.user_code !== undefined) {
      const code = normalizeUserCode(query.user_code);
      if (code === null) return "that is not a device code: it has 8 letters, like BCDF-GHJK";
      const deviceKey = await this.requests.deviceKeyForUserCode(code);
      if (deviceKey === null)
        return `the code ${code} is unknown or expired; run airlock login --no-browser again`;
      return { kind: "device", deviceKey };
    }
    if (query.redirect_uri !== undefined) {
      const problem = loopbackRedirectProblem(query.redirect_uri);
      if (problem !== undefined) return problem;
      if (query.code_challenge === undefined || query.code_challenge_method === undefined)
        return "a CLI login needs code_challenge and code_challenge_method=S256 (PKCE)";
      if (query.state === undefined) return "a CLI login needs state";
      return {
        kind: "loopback",
        redirectUri: query.redirect_uri,
        codeChallenge: query.code_challenge,
        state: query.state,
      };
    }
    return { kind: "web" };
  }

  private bindingMatches(req: HttpRequest, pending: PendingLogin): boolean {
    const header = req.headers["cookie"];
    const cookies = Array.isArray(header) ? header.join(";") : (header ?? "");
    for (const part of cookies.split(";")) {
      const [name, ...rest] = part.trim().split("=");
      if (name === BINDING_COOKIE && sha256(rest.join("=")) === pending.browserHash) return true;
    }
    return false;
  }

  private async exchangeCode(
    code: string,
    verifier: string,
    redirectUri: string,
  ): Promise<TokenResponse> {
    const entry = await this.requests.takeLoopbackCode(code);
    if (entry === null)
      throw new TokenError(
        "invalid_grant",
        "the login code is unknown, used or expired (60 s); run airlock login again",
      );
    const challenge = createHash("sha256").update(verifier, "ascii").digest("base64url");
    if (challenge !== entry.codeChallenge)
      throw new TokenError(
        "invalid_grant",
        "code_verifier does not match the login's code_challenge",
      );
    if (redirectUri !== entry.redirectUri)
      throw new TokenError(
        "invalid_grant",
        "redirect_uri differs from the one the login started with",
      );
    return this.sessions.issue(entry.userId, blob(entry.idpRefreshToken), "loopback");
  }

  private async exchangeDevice(deviceCode: string): Promise<TokenResponse> {
    const key = sha256(deviceCode);
    const request = await this.requests.getDevice(key);
    if (request === null || request.expiresAt <= Date.now())
      throw new TokenError(
        "expired_token",
        "the device code expired (10 minutes); run airlock login --no-browser again",
      );
    if (request.status === "denied")
      throw new TokenError("access_denied", request.deniedReason ?? "the login was refused");
    if (request.status === "pending") {
      const now = Date.now();
      const tooSoon = now - request.lastPollAt < (DEVICE_POLL_INTERVAL_SECONDS - 1) * 1000;
      await this.requests.putDevice(key, { ...request, lastPollAt: now });
      if (tooSoon)
        throw new TokenError("slow_down", `poll at most every ${DEVICE_POLL_INTERVAL_SECONDS} s`);
      throw new TokenError(
        "authorization_pending",
        "the login has not been completed in the browser yet",
      );
    }
    if (request.result === undefined || !(await this.requests.takeDevice(key, request.userCode)))
      throw new TokenError("invalid_grant", "this device code was already used");
    return this.sessions.issue(
      request.result.userId,
      blob(request.result.idpRefreshToken),
      "device",
    );
  }

  private async loginFailed(
    res: HttpResponse,
    pending: PendingLogin | undefined,
    problem: string,
    claims?: Record<string, unknown>,
  ): Promise<void> {
    this.logger.info({ problem }, "OIDC login refused");
    const name = claims === undefined ? null : this.provisioning.map(claims).name;
    await this.audit
      .record({
        code: "auth.login",
        outcome: "failed",
        actorName: name,
        actorKind: name === null ? null : "human",
        data: { method: "oidc", reason: problem },
      })
      .catch(() => undefined);
    const target = pending?.target;
    if (target?.kind === "loopback") {
      const url = new URL(target.redirectUri);
      url.searchParams.set("error", "access_denied");
      url.searchParams.set("error_description", problem);
      url.searchParams.set("state", target.state);
      res.redirect(302, url.toString());
      return;
    }
    if (target?.kind === "device") {
      const request = await this.requests.getDevice(target.deviceKey);
      if (request !== null && request.status === "pending")
        await this.requests.putDevice(target.deviceKey, {
          ...request,
          status: "denied",
          deniedReason: problem,
        });
    }
    this.page(res, 403, errorPage(problem));
  }

  private page(res: HttpResponse, status: number, html: string): void {
    res.setHeader("Cache-Control", "no-store");
    res.setHeader(
      "Content-Security-Policy",
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    );
    res.status(status).type("html").send(html);
  }
}

function blob(base64: string | null): Buffer | null {
  return base64 === null ? null : Buffer.from(base64, "base64");
}
