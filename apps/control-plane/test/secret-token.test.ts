// API keys and connector tokens: alk_<kind>_<12 hex id>_<43 base64url secret>; the
// store keeps the id and SHA-256(secret), compared in constant time.
import { createHash } from "node:crypto";
import * as crypto from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  API_KEY_PATTERN,
  CONNECTOR_TOKEN_PATTERN,
  issueToken,
  parseToken,
  secretMatches,
  type TokenKind,
} from "../src/security/secret-token";

vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

afterEach(() => {
  vi.mocked(crypto.timingSafeEqual).mockClear();
});

const sha256 = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();
const secretOf = (token: string): string => token.slice(21);

describe("issueToken", () => {
  it.each<[TokenKind, RegExp]>([
    ["key", API_KEY_PATTERN],
    ["ctr", CONNECTOR_TOKEN_PATTERN],
  ])("issues alk_%s_<12 hex>_<43 base64url>", (kind, pattern) => {
    const issued = issueToken(kind);
    expect(issued.token).toMatch(pattern);
    expect(issued.token.startsWith(`alk_${kind}_${issued.prefix}_`)).toBe(true);
    expect(issued.prefix).toMatch(/^[0-9a-f]{12}$/);
    expect(secretOf(issued.token)).toHaveLength(43);
  });

  it("keeps only SHA-256 of the secret part", () => {
    const issued = issueToken("key");
    expect(issued.secretHash.equals(sha256(secretOf(issued.token)))).toBe(true);
    expect(issued.secretHash).toHaveLength(32);
  });

  it("never issues the same id or secret twice", () => {
    const tokens = Array.from({ length: 50 }, () => issueToken("key"));
    expect(new Set(tokens.map((t) => t.prefix)).size).toBe(50);
    expect(new Set(tokens.map((t) => secretOf(t.token))).size).toBe(50);
  });
});

describe("parseToken", () => {
  it("finds the id and hashes the secret of a well-formed token", () => {
    const issued = issueToken("ctr");
    const parsed = parseToken("ctr", issued.token);
    expect(parsed?.prefix).toBe(issued.prefix);
    expect(parsed?.secretHash.equals(issued.secretHash)).toBe(true);
  });

  const good = issueToken("key").token;
  const id = good.slice(8, 20);
  const secret = secretOf(good);
  it.each([
    ["empty", ""],
    ["only the scheme", "alk_key_"],
    ["no secret", `alk_key_${id}_`],
    ["an 11-character id", `alk_key_${id.slice(1)}_${secret}`],
    ["a 13-character id", `alk_key_${id}0_${secret}`],
    ["an uppercase id", `alk_key_${id.toUpperCase().replace(/^./, "A")}_${secret}`],
    ["a 42-character secret", `alk_key_${id}_${secret.slice(1)}`],
    ["a 44-character secret", `alk_key_${id}_${secret}A`],
    ["base64 '+' in the secret", `alk_key_${id}_+${secret.slice(1)}`],
    ["base64 '/' in the secret", `alk_key_${id}_/${secret.slice(1)}`],
    ["'=' padding", `alk_key_${id}_${secret.slice(1)}=`],
    ["a trailing newline", `${good}\n`],
    ["a leading space", ` ${good}`],
    ["an unknown kind", good.replace("alk_key_", "alk_xyz_")],
    ["another scheme", good.replace("alk_", "alx_")],
    ["Bearer in front", `Bearer ${good}`],
  ])("refuses a token with %s", (_what, token) => {
    expect(parseToken("key", token)).toBeUndefined();
  });

  it("does not take an API key as a connector token, or the reverse", () => {
    const apiKey = issueToken("key").token;
    const connectorToken = issueToken("ctr").token;
    expect(parseToken("ctr", apiKey)).toBeUndefined();
    expect(parseToken("key", connectorToken)).toBeUndefined();
    // The same id and secret under the other kind's label is still the other kind.
    expect(parseToken("ctr", apiKey.replace("alk_key_", "alk_ctr_"))).toBeDefined();
  });
});

describe("secretMatches", () => {
  it("matches the stored hash of the same secret, as Buffer or Uint8Array", () => {
    const issued = issueToken("key");
    const parsed = parseToken("key", issued.token)!;
    expect(secretMatches(issued.secretHash, parsed.secretHash)).toBe(true);
    expect(secretMatches(new Uint8Array(issued.secretHash), parsed.secretHash)).toBe(true);
  });

  it("compares equal-length hashes with crypto.timingSafeEqual", () => {
    const a = issueToken("key");
    const b = issueToken("key");
    expect(secretMatches(a.secretHash, b.secretHash)).toBe(false);
    expect(secretMatches(a.secretHash, a.secretHash)).toBe(true);
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(2);
  });

  it("refuses a hash that differs only in its last byte", () => {
    const a = issueToken("key").secretHash;
    const b = Buffer.from(a);
    b[31] = (b[31] ?? 0) ^ 0x80;
    expect(secretMatches(a, b)).toBe(false);
  });

  it("refuses a hash of another length without throwing", () => {
    const a = issueToken("key").secretHash;
    expect(secretMatches(a, a.subarray(0, 31))).toBe(false);
    expect(secretMatches(new Uint8Array(0), a)).toBe(false);
    expect(crypto.timingSafeEqual).not.toHaveBeenCalled();
  });
});
