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
});

/**
 * `{ "current": "default", "profiles": { "default": { "url": "…", "apiKey": "…" } } }`.
 * Loose objects keep fields a newer CLI may have written, so an older one does not drop them.
 */
export const ConfigFileSchema = z.looseObject({
  current: z.string().regex(PROFILE_NAME).optional(),
  profiles: z.record(z.string().regex(PROFILE_NAME, "invalid profile name"), ProfileSchema),
});

export type StoredProfile = z.infer<typeof ProfileSchema>;
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

export function emptyConfig(): ConfigFile {
  return { profiles: {} };
}
