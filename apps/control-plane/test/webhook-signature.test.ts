// X-Airlock-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>.
// The expected digests are computed here with node:crypto, independently of signPayload.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signPayload, verifySignature } from "../src/notifications/signature";

const secret = "whsec-test-secret-0123456789";
const body = JSON.stringify({
  event: "review.requested",
  deliveryId: "d-1",
  review: { id: "rv-1" },
});
const t = 1_767_225_600; // 2026-01-01T00:00:00Z
const TOLERANCE = 300;

function hmacHex(key: string, text: string): string {
  return createHmac("sha256", key).update(text, "utf8").digest("hex");
}

describe("signPayload", () => {
  it("signs '<t>.<body>' with HMAC-SHA256 and formats t=…,v1=<hex>", () => {
    expect(signPayload(secret, body, t)).toBe(`t=${t},v1=${hmacHex(secret, `${t}.${body}`)}`);
  });

  it("refuses a timestamp that is not whole seconds", () => {
    expect(() => signPayload(secret, body, 1.5)).toThrow(RangeError);
    expect(() => signPayload(secret, body, -1)).toThrow(RangeError);
  });
});

describe("verifySignature", () => {
  it("accepts its own signature (round trip)", () => {
    expect(verifySignature(secret, body, signPayload(secret, body, t), t, TOLERANCE)).toBe(true);
  });

  it("accepts a signature within the tolerance either way", () => {
    const header = signPayload(secret, body, t);
    expect(verifySignature(secret, body, header, t + TOLERANCE, TOLERANCE)).toBe(true);
    expect(verifySignature(secret, body, header, t - TOLERANCE, TOLERANCE)).toBe(true);
  });

  it("refuses a tampered body", () => {
    const header = signPayload(secret, body, t);
    expect(verifySignature(secret, body.replace("rv-1", "rv-2"), header, t, TOLERANCE)).toBe(false);
    expect(verifySignature(secret, `${body} `, header, t, TOLERANCE)).toBe(false);
  });

  it("refuses the signature of another secret", () => {
    const header = signPayload("another-secret-0123456789", body, t);
    expect(verifySignature(secret, body, header, t, TOLERANCE)).toBe(false);
  });

  it("refuses a stale (or future) timestamp, even with a valid digest", () => {
    const header = signPayload(secret, body, t);
    expect(verifySignature(secret, body, header, t + TOLERANCE + 1, TOLERANCE)).toBe(false);
    expect(verifySignature(secret, body, header, t - TOLERANCE - 1, TOLERANCE)).toBe(false);
  });

  it("refuses a moved timestamp: the timestamp is signed with the body", () => {
    const digest = hmacHex(secret, `${t}.${body}`);
    expect(verifySignature(secret, body, `t=${t + 60},v1=${digest}`, t + 60, TOLERANCE)).toBe(
      false,
    );
  });

  it("accepts the header when one of several v1 signatures matches (secret rotation)", () => {
    const good = hmacHex(secret, `${t}.${body}`);
    const other = hmacHex("old-secret-0123456789abcdef", `${t}.${body}`);
    expect(verifySignature(secret, body, `t=${t},v1=${other},v1=${good}`, t, TOLERANCE)).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["no timestamp", `v1=${"0".repeat(64)}`],
    ["no signature", `t=${t}`],
    ["a timestamp that is not a number", `t=soon,v1=${"0".repeat(64)}`],
    ["two timestamps", `t=${t},t=${t},v1=${"0".repeat(64)}`],
    ["a short digest", `t=${t},v1=abcd`],
    ["uppercase hex", `t=${t},v1=${hmacHex(secret, `${t}.${body}`).toUpperCase()}`],
    ["a part without '='", `t=${t},v1`],
  ])("refuses a malformed header: %s", (_name, header) => {
    expect(verifySignature(secret, body, header, t, TOLERANCE)).toBe(false);
  });
});
