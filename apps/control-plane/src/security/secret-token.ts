// Tokens and keys: `alk_<kind>_<id>_<secret>` (docs/design/0001-foundation.md).
// `id` is 12 lowercase hex characters, public, used to find the row; `secret` is 32
// random bytes in base64url. The store keeps only the id and SHA-256(secret): the
// secret has 256 bits of entropy, so a fast hash is enough.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export type TokenKind = "key" | "ctr" | "rt";

export const API_KEY_PATTERN = /^alk_key_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;
export const CONNECTOR_TOKEN_PATTERN = /^alk_ctr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;
/** Refresh tokens of a login session (docs/design/0009-oidc-login.md). */
export const REFRESH_TOKEN_PATTERN = /^alk_rt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;

const PATTERNS: Record<TokenKind, RegExp> = {
  key: API_KEY_PATTERN,
  ctr: CONNECTOR_TOKEN_PATTERN,
  rt: REFRESH_TOKEN_PATTERN,
};

export interface IssuedToken {
  /** The whole token: shown to its owner once, never stored or logged. */
  token: string;
  /** The public id, stored in the `prefix` column. */
  prefix: string;
  secretHash: Buffer;
}

export interface ParsedToken {
  prefix: string;
  secretHash: Buffer;
}

export function issueToken(kind: TokenKind): IssuedToken {
  const prefix = randomBytes(6).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  return { token: `alk_${kind}_${prefix}_${secret}`, prefix, secretHash: hashSecret(secret) };
}

/** The id and hashed secret of a well-formed token of this kind, else undefined. */
export function parseToken(kind: TokenKind, token: string): ParsedToken | undefined {
  if (!PATTERNS[kind].test(token)) return undefined;
  const start = `alk_${kind}_`.length;
  const prefix = token.slice(start, start + 12);
  const secret = token.slice(start + 13);
  return { prefix, secretHash: hashSecret(secret) };
}

/** Constant-time comparison of a stored hash with a presented one. */
export function secretMatches(stored: Uint8Array, presented: Buffer): boolean {
  if (stored.length !== presented.length) return false;
  return timingSafeEqual(stored, presented);
}

function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}
