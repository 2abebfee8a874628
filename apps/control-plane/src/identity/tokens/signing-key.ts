// Ed25519 keys derived from the master key with HKDF: every replica derives the same key,
// so there is no key to distribute or rotate separately (a new master key is a new key).
// `purpose` separates uses: access tokens now, audit checkpoints later.
import { createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from "node:crypto";

// PKCS#8 DER header of an Ed25519 private key; the 32-byte seed follows it (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Key id: a short hash of the public key, published in the JWKS and the JWT header. */
  kid: string;
}

export function deriveSigningKey(masterKey: Buffer, purpose: string): SigningKey {
  const seed = Buffer.from(hkdfSync("sha256", masterKey, Buffer.alloc(0), purpose, 32));
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: "der",
    type: "pkcs8",
  });
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: "jwk" });
  const kid = Buffer.from(String(jwk.x)).toString("base64url").slice(0, 16);
  return { privateKey, publicKey, kid };
}
