// Stored target credentials: AES-256-GCM under AIRLOCK_MASTER_KEY.
// Layout: version(1) = 1 | iv(12) | tag(16) | ciphertext. The connection id is the
// additional authenticated data, so a ciphertext copied to another row fails to open.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

export function encryptCredential(key: Buffer, plaintext: string, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), ciphertext]);
}

/** The plaintext; throws if the blob is malformed, of another version, or fails authentication. */
export function decryptCredential(key: Buffer, blob: Uint8Array, aad: string): string {
  const bytes = Buffer.from(blob);
  if (bytes.length < HEADER_BYTES) throw new Error("stored credential is truncated");
  if (bytes[0] !== VERSION)
    throw new Error(`stored credential has unknown format version ${bytes[0]}`);
  const iv = bytes.subarray(1, 1 + IV_BYTES);
  const tag = bytes.subarray(1 + IV_BYTES, HEADER_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  decipher.setAAD(Buffer.from(aad, "utf8"));
  return Buffer.concat([decipher.update(bytes.subarray(HEADER_BYTES)), decipher.final()]).toString(
    "utf8",
  );
}
