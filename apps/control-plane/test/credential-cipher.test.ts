// Stored target credentials: AES-256-GCM, version(1) | iv(12) | tag(16) | ciphertext,
// with the connection id as additional authenticated data.
import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptCredential, encryptCredential } from "../src/security/credential-cipher";

const key = randomBytes(32);
const connectionId = randomUUID();
const password = "s3cret-pässwörd 🔑";

const IV = { start: 1, end: 13 };
const TAG = { start: 13, end: 29 };
const BODY_START = 29;

function flipByte(blob: Buffer, index: number): Buffer {
  const copy = Buffer.from(blob);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

describe("credential cipher", () => {
  it("round-trips a password, UTF-8 included", () => {
    const blob = encryptCredential(key, password, connectionId);
    expect(decryptCredential(key, blob, connectionId)).toBe(password);
  });

  it("round-trips from a Uint8Array (the shape Prisma returns for bytea)", () => {
    const blob = new Uint8Array(encryptCredential(key, password, connectionId));
    expect(decryptCredential(key, blob, connectionId)).toBe(password);
  });

  it("writes version 1, a 12-byte IV, a 16-byte tag, then the ciphertext", () => {
    const blob = encryptCredential(key, password, connectionId);
    expect(blob[0]).toBe(1);
    expect(blob.length).toBe(BODY_START + Buffer.byteLength(password, "utf8"));
    expect(blob.includes(Buffer.from(password, "utf8"))).toBe(false);
  });

  it("uses a fresh IV for every encryption", () => {
    const a = encryptCredential(key, password, connectionId);
    const b = encryptCredential(key, password, connectionId);
    expect(a.subarray(IV.start, IV.end).equals(b.subarray(IV.start, IV.end))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it.each([
    ["a ciphertext byte", BODY_START],
    ["the last ciphertext byte", -1],
    ["an auth tag byte", TAG.start],
    ["the last auth tag byte", TAG.end - 1],
    ["an IV byte", IV.start],
    ["the last IV byte", IV.end - 1],
  ])("refuses a blob with %s changed", (_what, offset) => {
    const blob = encryptCredential(key, password, connectionId);
    const index = offset < 0 ? blob.length + offset : offset;
    expect(() => decryptCredential(key, flipByte(blob, index), connectionId)).toThrow();
  });

  it("refuses a ciphertext moved to another connection (the id is the AAD)", () => {
    const blob = encryptCredential(key, password, connectionId);
    expect(() => decryptCredential(key, blob, randomUUID())).toThrow();
  });

  it("refuses to open under another master key", () => {
    const blob = encryptCredential(key, password, connectionId);
    expect(() => decryptCredential(randomBytes(32), blob, connectionId)).toThrow();
  });

  it("refuses an unknown format version before trying to decrypt", () => {
    const blob = encryptCredential(key, password, connectionId);
    for (const version of [0, 2, 255]) {
      const other = Buffer.from(blob);
      other[0] = version;
      expect(() => decryptCredential(key, other, connectionId)).toThrow(
        `unknown format version ${version}`,
      );
    }
  });

  it("refuses a truncated blob", () => {
    const blob = encryptCredential(key, password, connectionId);
    expect(() => decryptCredential(key, blob.subarray(0, BODY_START - 1), connectionId)).toThrow(
      "truncated",
    );
    expect(() => decryptCredential(key, blob.subarray(0, blob.length - 1), connectionId)).toThrow();
  });

  it("never puts the plaintext in an error message", () => {
    const blob = encryptCredential(key, password, connectionId);
    const failures = [
      () => decryptCredential(randomBytes(32), blob, connectionId),
      () => decryptCredential(key, blob, randomUUID()),
      () => decryptCredential(key, flipByte(blob, BODY_START), connectionId),
    ];
    for (const fail of failures) {
      let message = "";
      try {
        fail();
      } catch (err) {
        message = err instanceof Error ? `${err.message} ${err.stack ?? ""}` : String(err);
      }
      expect(message).not.toBe("");
      expect(message).not.toContain(password);
    }
  });
});
