import { z } from "zod";

/** RFC 7636 §4.1: 43 to 128 characters of [A-Za-z0-9-._~]; a S256 challenge is 43. */
const CodeChallenge = z.string().regex(/^[A-Za-z0-9_-]{43}$/, {
  error: "must be the base64url SHA-256 of the code verifier (43 characters)",
});

export const LoginQuery = z.object({
  redirect_uri: z.string().max(512).optional(),
  code_challenge: CodeChallenge.optional(),
  code_challenge_method: z.literal("S256", { error: 'must be "S256"' }).optional(),
  state: z
    .string()
    .regex(/^[\x21-\x7e]{1,256}$/, { error: "must be 1 to 256 visible ASCII characters" })
    .optional(),
  user_code: z.string().max(32).optional(),
});
export type LoginQuery = z.output<typeof LoginQuery>;

export const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

export const TokenBody = z.discriminatedUnion(
  "grant_type",
  [
    z.object({
      grant_type: z.literal("authorization_code"),
      code: z.string({ error: "is required" }).min(1).max(256),
      code_verifier: z.string({ error: "is required" }).regex(/^[A-Za-z0-9._~-]{43,128}$/, {
        error: "must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_' or '~' (RFC 7636)",
      }),
      redirect_uri: z.string({ error: "is required" }).max(512),
    }),
    z.object({
      grant_type: z.literal(DEVICE_GRANT),
      device_code: z.string({ error: "is required" }).min(1).max(256),
    }),
    z.object({
      grant_type: z.literal("refresh_token"),
      refresh_token: z.string({ error: "is required" }).min(1).max(256),
    }),
  ],
  {
    error: `grant_type must be authorization_code, refresh_token or ${DEVICE_GRANT}`,
  },
);
export type TokenBody = z.output<typeof TokenBody>;

export const LogoutBody = z.object({ refresh_token: z.string().max(256).optional() });

export const TokenResponseSchema = z.object({
  access_token: z.string(),
  token_type: z.literal("Bearer"),
  expires_in: z.number().int(),
  refresh_token: z.string(),
  user: z.object({ name: z.string(), kind: z.string(), role: z.string() }),
});

export const DeviceResponseSchema = z.object({
  device_code: z.string(),
  user_code: z.string(),
  verification_uri: z.string(),
  verification_uri_complete: z.string(),
  expires_in: z.number().int(),
  interval: z.number().int(),
});

export const AuthConfigSchema = z.object({
  oidc: z.boolean(),
  issuer: z.string().optional(),
});

/** Only loopback http URLs: the CLI's own callback server (RFC 8252 §7.3). */
export function loopbackRedirectProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "redirect_uri is not a URL";
  }
  if (url.protocol !== "http:") return "redirect_uri must be an http:// loopback URL";
  if (!["127.0.0.1", "[::1]", "localhost"].includes(url.hostname))
    return "redirect_uri must point at this machine (127.0.0.1, [::1] or localhost)";
  if (url.port === "") return "redirect_uri must name the CLI's port";
  if (url.username !== "" || url.password !== "" || url.hash !== "")
    return "redirect_uri must not carry credentials or a fragment";
  return undefined;
}
