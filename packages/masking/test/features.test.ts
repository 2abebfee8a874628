import { describe, expect, it } from "vitest";
import { bufferFeatures, newFeatures, stringFeatures } from "../src/detectors/features";

// bufferFeatures and stringFeatures repeat one loop (for speed); on ASCII they must agree.
const SAMPLES = [
  "",
  "plain words only",
  "ada.lovelace@analytical.example",
  "4111-1111-1111-1111",
  "GB82 WEST 1234 5698 7654 32",
  "3f2b8c1e-9d4a-4e6b-8a7c-1f2e3d4c5b6a",
  "AKIAIOSFODNN7EXAMPLE and https://u:p@host/db",
  "+1 (555) 010-2030 / ext. 7",
  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc_DEF-123",
  "ABCD1234 XY99 zz00:11::22",
];

describe("bufferFeatures and stringFeatures", () => {
  it.each(SAMPLES)("count the same features of %j", (text) => {
    const fromBuffer = bufferFeatures(Buffer.from(text, "utf8"), 0, newFeatures());
    const fromString = stringFeatures(text, newFeatures());
    expect(Array.from(fromString)).toEqual(Array.from(fromBuffer));
  });

  it("a buffer read from an offset counts only what follows it", () => {
    const text = "prefix 4111111111111111";
    const fromOffset = bufferFeatures(Buffer.from(text), 7, newFeatures());
    expect(Array.from(fromOffset)).toEqual(
      Array.from(stringFeatures("4111111111111111", newFeatures())),
    );
  });
});
