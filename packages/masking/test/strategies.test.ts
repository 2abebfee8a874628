import { describe, expect, it } from "vitest";
import { applyStrategy } from "../src/index";

const KEY = Buffer.from("k1".repeat(16));
const OTHER_KEY = Buffer.from("k2".repeat(16));

describe("strategies", () => {
  it.each([
    ["redact names the entity", "redact", "bob@example.com", "EMAIL", "[REDACTED:EMAIL]"],
    ["redact of a column rule has no entity", "redact", "123-45-6789", "COLUMN", "[REDACTED]"],
    [
      "partial keeps an email's domain",
      "partial",
      "bob.smith@example.com",
      "EMAIL",
      "***@example.com",
    ],
    [
      "partial keeps the domain for a column rule on an email value",
      "partial",
      "bob@example.org",
      "COLUMN",
      "***@example.org",
    ],
    [
      "partial keeps the last 4 characters, same length",
      "partial",
      "4111 1111 1111 1111",
      "CREDIT_CARD",
      "***************1111",
    ],
    [
      "partial of a column value keeps the last 4",
      "partial",
      "123-45-6789",
      "COLUMN",
      "*******6789",
    ],
    ["partial stars all of a value shorter than 8", "partial", "secret", "API_KEY", "******"],
    [
      "partial counts code points, not UTF-16 units",
      "partial",
      "😀😀😀😀😀😀abcd",
      "COLUMN",
      "******abcd",
    ],
    ["null gives SQL NULL", "null", "bob@example.com", "EMAIL", null],
  ] as const)("%s", (_name, strategy, value, entity, expected) => {
    expect(applyStrategy(strategy, value, entity, KEY)).toBe(expected);
  });

  it("hash is h: and 32 hex digits (16 bytes of HMAC-SHA256)", () => {
    expect(applyStrategy("hash", "bob@example.com", "EMAIL", KEY)).toMatch(/^h:[0-9a-f]{32}$/);
  });

  it("hash is deterministic for one key, so hashed values still join", () => {
    expect(applyStrategy("hash", "bob@example.com", "EMAIL", KEY)).toBe(
      applyStrategy("hash", "bob@example.com", "COLUMN", Buffer.from(KEY)),
    );
  });

  it("hash differs per key and per value", () => {
    const a = applyStrategy("hash", "bob@example.com", "EMAIL", KEY);
    expect(applyStrategy("hash", "bob@example.com", "EMAIL", OTHER_KEY)).not.toBe(a);
    expect(applyStrategy("hash", "bob@example.net", "EMAIL", KEY)).not.toBe(a);
  });

  it("hash is HMAC-SHA256 of the UTF-8 value under the key", async () => {
    const { createHmac } = await import("node:crypto");
    const expected = createHmac("sha256", KEY).update("café").digest("hex").slice(0, 32);
    expect(applyStrategy("hash", "café", "COLUMN", KEY)).toBe(`h:${expected}`);
  });
});
