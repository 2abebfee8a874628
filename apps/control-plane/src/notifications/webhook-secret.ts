// A webhook's signing secret: generated when the admin gives none, sealed under the master
// key with the webhook id as additional authenticated data (a ciphertext copied to another
// row does not open), and opened only to sign a delivery.
import { randomBytes } from "node:crypto";
import { decryptCredential, encryptCredential } from "../security/credential-cipher";

/** 32 random bytes, base64url (43 characters). */
export function generateWebhookSecret(): string {
  return randomBytes(32).toString("base64url");
}

export function sealWebhookSecret(
  masterKey: Buffer,
  webhookId: string,
  secret: string,
): Uint8Array<ArrayBuffer> {
  return new Uint8Array(encryptCredential(masterKey, secret, webhookId));
}

/** Throws when the ciphertext does not open (another master key, another row). */
export function openWebhookSecret(
  masterKey: Buffer,
  webhookId: string,
  sealed: Uint8Array,
): string {
  return decryptCredential(masterKey, sealed, webhookId);
}
