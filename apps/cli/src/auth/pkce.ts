import { createHash, randomBytes } from "node:crypto";

/** A PKCE pair (RFC 7636): 32 random bytes as base64url, and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: s256(verifier) };
}

/** `BASE64URL(SHA256(verifier))`, the `code_challenge` for method S256. */
export function s256(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/** An unguessable `state` that ties the browser's answer to this login. */
export function randomState(): string {
  return randomBytes(16).toString("base64url");
}
