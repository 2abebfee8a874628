// Types of scripts/dev-idp.mjs (a dev OpenID Connect provider in plain JavaScript, so that
// `npm run demo` needs no TypeScript loader). The tests import it through
// test/support/oidc-idp.ts.

export interface IdpAccount {
  sub: string;
  password: string;
  /** e.g. { preferred_username, email, groups: [...] } */
  claims: Record<string, unknown>;
}

export interface IdpClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface TestIdpOptions {
  clients: IdpClient[];
  accounts: IdpAccount[];
  accessTokenTtlSeconds?: number;
  /** The port to listen on; default 0 (a free one, read it from `issuer`). */
  port?: number;
  /** The address to listen on, also the issuer's host; default 127.0.0.1. */
  host?: string;
  /** A line shown above the login form (the demo lists its accounts there). */
  loginHint?: string;
}

export interface TestIdp {
  /** e.g. http://127.0.0.1:PORT (no trailing slash); discovery at `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  /** Adds or replaces an account (e.g. to change its groups); later tokens carry the new claims. */
  setAccount(a: IdpAccount): void;
  /** The IdP no longer knows the user: its refresh grants fail with invalid_grant from now on. */
  removeAccount(sub: string): void;
  stop(): Promise<void>;
  /**
   * Signs an arbitrary ID-token-like JWT with the IdP's real signing key (the one published
   * at its jwks_uri), for forging tests. The header defaults to { alg: "RS256", typ: "JWT",
   * kid } and `header` is merged over it; the signature is always RS256 whatever `alg` says.
   */
  signWithIdpKey(
    payload: Record<string, unknown>,
    header?: Record<string, unknown>,
  ): Promise<string>;
}

/**
 * Starts the IdP (listening once the promise resolves). Everything, the signing key
 * included, is in memory and new at each start.
 */
export function startTestIdp(opts: TestIdpOptions): Promise<TestIdp>;
