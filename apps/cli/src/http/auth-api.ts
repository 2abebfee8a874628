import { z } from "zod";
import type { ApiClient } from "./api-client";

/**
 * The control plane's login endpoints (docs/design/0009-oidc-login.md), all unauthenticated.
 * Their errors are OAuth-shaped, `{error, error_description}`; ApiClient maps them to an
 * ApiError whose `code` is `error` (authorization_pending, invalid_grant, …).
 */

export const AuthConfigSchema = z.looseObject({
  oidc: z.boolean(),
  issuer: z.string().nullish(),
});
export type AuthConfig = z.infer<typeof AuthConfigSchema>;

export const DeviceAuthorizationSchema = z.looseObject({
  device_code: z.string().min(1),
  user_code: z.string().min(1),
  verification_uri: z.string().min(1),
  verification_uri_complete: z.string().min(1).nullish(),
  expires_in: z.number().positive(),
  // RFC 8628: 5 s when the server does not say.
  interval: z.number().nonnegative().default(5),
});
export type DeviceAuthorization = z.infer<typeof DeviceAuthorizationSchema>;

export const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().refine((type) => type.toLowerCase() === "bearer", {
    message: 'expected token_type "Bearer"',
  }),
  expires_in: z.number().positive(),
  refresh_token: z.string().min(1),
  // Present at every grant per the contract; only login prints it, so a refresh without it
  // is not an error.
  user: z
    .looseObject({ name: z.string(), kind: z.string(), role: z.string() })
    .optional()
    .catch(undefined),
});
export type TokenResponse = z.infer<typeof TokenResponseSchema>;

export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

export type TokenGrant =
  | {
      grant_type: "authorization_code";
      code: string;
      code_verifier: string;
      redirect_uri: string;
    }
  | { grant_type: typeof DEVICE_CODE_GRANT; device_code: string }
  | { grant_type: "refresh_token"; refresh_token: string };

/** What `GET /auth/login` needs for the CLI's loopback flow. */
export interface LoginUrlParams {
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly state: string;
}

export class AuthApi {
  constructor(readonly http: ApiClient) {}

  /** `GET /auth/config`: whether OIDC login is on. */
  config(): Promise<AuthConfig> {
    return this.http.get("/auth/config", AuthConfigSchema);
  }

  /** The URL to open in the browser; the control plane redirects back to `redirectUri`. */
  loginUrl(params: LoginUrlParams): string {
    const query = new URLSearchParams({
      redirect_uri: params.redirectUri,
      code_challenge: params.codeChallenge,
      code_challenge_method: "S256",
      state: params.state,
    });
    return `${this.http.baseUrl}/auth/login?${query.toString()}`;
  }

  /** `POST /auth/device`: a device code and the code the user types in. */
  startDevice(): Promise<DeviceAuthorization> {
    return this.http.post("/auth/device", {}, DeviceAuthorizationSchema);
  }

  /** `POST /auth/token`: one of the three grants → an access and a refresh token. */
  token(grant: TokenGrant): Promise<TokenResponse> {
    return this.http.post("/auth/token", grant, TokenResponseSchema);
  }

  /** `POST /auth/logout`: ends the login session the refresh token belongs to. */
  logout(refreshToken: string): Promise<void> {
    return this.http.postNoContent("/auth/logout", { refresh_token: refreshToken });
  }
}
