import {
  type ConfigFile,
  type StoredLogin,
  type StoredProfile,
  storedLogin,
  withoutCredentials,
} from "../config/config-file";
import type { ProfileStore } from "../config/profile-store";
import { loginHint } from "../config/target";
import { CliError, NotLoggedInError } from "../errors";
import type { Credentials } from "../http/api-client";
import type { AuthApi, TokenResponse } from "../http/auth-api";
import { ApiError } from "../http/errors";

/** An access token expiring within this is refreshed before use. */
export const REFRESH_MARGIN_MS = 60_000;

/** The login ended on the control plane (refresh refused); its tokens were removed. */
export class LoginEndedError extends CliError {}

/** What to store from a token response: the pair and the access token's expiry. */
export function loginFrom(response: TokenResponse, now: Date): StoredLogin {
  return {
    accessToken: response.access_token,
    accessTokenExpiresAt: new Date(now.getTime() + response.expires_in * 1000).toISOString(),
    refreshToken: response.refresh_token,
  };
}

/** The profile with `login` as its only credential. */
export function profileWithLogin(profile: StoredProfile, login: StoredLogin): StoredProfile {
  return { ...withoutCredentials(profile), ...login };
}

/** True when the access token expires within REFRESH_MARGIN_MS of `now` (or cannot be read). */
export function expiresSoon(login: StoredLogin, now: Date): boolean {
  const expires = Date.parse(login.accessTokenExpiresAt);
  return Number.isNaN(expires) || expires - now.getTime() <= REFRESH_MARGIN_MS;
}

export interface LoginCredentialsOptions {
  readonly store: ProfileStore;
  readonly profile: string;
  /** The control plane the tokens are refreshed at. */
  readonly url: string;
  readonly auth: AuthApi;
  readonly now: () => Date;
  /** The tokens as read when the command started. */
  readonly login: StoredLogin;
}

/**
 * The credentials of an OIDC login: the stored access token while it has more than a minute
 * left, else a refreshed one. Refreshing happens under the config's lock file, after reading
 * the file again (another process may have refreshed already: refresh tokens are single use,
 * and the control plane revokes the whole login when one is presented twice), and stores the
 * new pair before anything else uses it.
 */
export class LoginCredentials implements Credentials {
  readonly kind = "login";
  private current: StoredLogin;

  constructor(private readonly options: LoginCredentialsOptions) {
    this.current = options.login;
  }

  async bearer(): Promise<string> {
    if (!expiresSoon(this.current, this.options.now())) return this.current.accessToken;
    return this.refresh(undefined);
  }

  /** After a 401: refresh unless another process already replaced the rejected token. */
  async renew(rejected: string): Promise<string | undefined> {
    return this.refresh(rejected);
  }

  /**
   * Under the lock: the stored access token if it is still good (and not `rejected`), else a
   * new pair from `POST /auth/token` (grant refresh_token), stored at once.
   */
  private refresh(rejected: string | undefined): Promise<string> {
    const { store, profile, url, auth, now } = this.options;
    return store.withLock(async () => {
      const stored = storedLogin(store.read().profiles[profile]);
      if (stored === undefined) {
        throw new NotLoggedInError(
          `profile "${profile}" was logged out while this command ran; ${loginHint(profile)}`,
        );
      }
      if (!expiresSoon(stored, now()) && stored.accessToken !== rejected) {
        this.current = stored;
        return stored.accessToken;
      }
      let response: TokenResponse;
      try {
        response = await auth.token({
          grant_type: "refresh_token",
          refresh_token: stored.refreshToken,
        });
      } catch (error) {
        if (error instanceof ApiError && error.code === "invalid_grant") {
          // The refresh token is dead; presenting it again would only be reported as reuse.
          store.update((config) => withProfileChanged(config, profile, withoutCredentials));
          throw new LoginEndedError(
            `your login to ${url} has ended (${error.serverMessage}); the control plane no ` +
              `longer accepts it and its tokens were removed from this machine; ${loginHint(profile)}`,
          );
        }
        throw error;
      }
      const next = loginFrom(response, now());
      store.update((config) =>
        withProfileChanged(config, profile, (old) => profileWithLogin(old, next)),
      );
      this.current = next;
      return next.accessToken;
    });
  }
}

function withProfileChanged(
  config: ConfigFile,
  profile: string,
  change: (old: StoredProfile) => StoredProfile,
): ConfigFile {
  const old = config.profiles[profile];
  if (old === undefined) return config;
  return { ...config, profiles: { ...config.profiles, [profile]: change(old) } };
}
