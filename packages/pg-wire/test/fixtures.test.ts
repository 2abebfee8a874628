import { describe, expect, it } from "vitest";
import * as backend from "./fixtures/backend";
import * as frontend from "./fixtures/frontend";
import { STARTUP_PREFIX } from "./helpers";

// Hand-written fixtures carry hand-written length fields: check them before trusting them.

describe("fixture self-check", () => {
  it.each(frontend.startupPhase.map((f) => [f.name, f]))(
    "%s: the startup length field counts the whole packet",
    (_name, f) => {
      expect(f.bytes.readInt32BE(0)).toBe(f.bytes.length);
    },
  );

  it.each([...frontend.typed, ...backend.typed].map((f) => [f.name, f]))(
    "%s: the typed length field counts all but the type byte",
    (_name, f) => {
      expect(f.bytes.readInt32BE(1)).toBe(f.bytes.length - 1);
    },
  );

  it("the startup prefix used before typed frontend fixtures is one whole packet", () => {
    expect(STARTUP_PREFIX.readInt32BE(0)).toBe(STARTUP_PREFIX.length);
  });
});
