import { z } from "zod";

/** Profile names as they appear in `--profile`, AIRLOCK_PROFILE and the config file. */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const ProfileSchema = z.looseObject({
  url: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }),
  // Absent after `airlock logout`: the profile keeps its URL for the next login.
  apiKey: z.string().min(1).optional(),
  // The control plane's gRPC address (`host:port`) and whether to dial it without TLS.
  // Absent in profiles written before `airlock connect` existed: derived from `url` then.
  grpcAddress: z.string().min(1).optional(),
  grpcInsecure: z.boolean().optional(),
  // An OIDC login (`airlock login` without --api-key), never stored next to an apiKey: the
  // access token (a JWT sent as Bearer like a key), when it expires (ISO), and the single-use
  // refresh token (alk_rt_…) that gets the next pair. All three or none.
  accessToken: z.string().min(1).optional(),
  accessTokenExpiresAt: z.string().optional(),
  refreshToken: z.string().min(1).optional(),
});

/**
 * `{ "current": "default", "profiles": { "default": { "url": "…", "apiKey": "…" } } }`, or
 * with `accessToken`, `accessTokenExpiresAt` and `refreshToken` instead of `apiKey`.
 * Loose objects keep fields a newer CLI may have written, so an older one does not drop them.
 */
export const ConfigFileSchema = z.looseObject({
  current: z.string().regex(PROFILE_NAME).optional(),
  profiles: z.record(z.string().regex(PROFILE_NAME, "invalid profile name"), ProfileSchema),
});

export type StoredProfile = z.infer<typeof ProfileSchema>;

/** The tokens of an OIDC login, as stored in a profile. */
export interface StoredLogin {
  readonly accessToken: string;
  /** ISO instant; an unreadable value counts as expired (the token is then refreshed). */
  readonly accessTokenExpiresAt: string;
  readonly refreshToken: string;
}

/** The profile's login when it holds one (both tokens), else undefined. */
export function storedLogin(profile: StoredProfile | undefined): StoredLogin | undefined {
  if (profile?.accessToken === undefined || profile.refreshToken === undefined) return undefined;
  return {
    accessToken: profile.accessToken,
    accessTokenExpiresAt: profile.accessTokenExpiresAt ?? "",
    refreshToken: profile.refreshToken,
  };
}

/** The profile without any credential (API key or login tokens): what logout leaves. */
export function withoutCredentials(profile: StoredProfile): StoredProfile {
  const {
    apiKey: _key,
    accessToken: _access,
    accessTokenExpiresAt: _expires,
    refreshToken: _refresh,
    ...rest
  } = profile;
  return rest;
}
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

export function emptyConfig(): ConfigFile {
  return { profiles: {} };
}
