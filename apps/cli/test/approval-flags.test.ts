import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import {
  optionalReason,
  parseGrantDuration,
  parseGrantId,
  parseReviewId,
  requireReason,
} from "../src/commands/approval-flags";
import { approveBody } from "../src/commands/reviews";
import { UsageError } from "../src/errors";
import { shortDuration } from "../src/output/duration";

describe("--for: how long a grant lasts", () => {
  it.each([
    ["30m", 1_800],
    ["1h", 3_600],
    ["1h30m", 5_400],
    ["90m", 5_400],
    ["2d", 172_800],
    ["1.5h", 5_400],
    ["1m", 60],
    ["7d", 604_800],
    ["1w", 604_800],
    [" 1H ", 3_600],
  ])("%s is %i seconds", (text, seconds) => {
    expect(parseGrantDuration(text)).toBe(seconds);
  });

  it.each([
    ["", /like 30m, 1h, 1h30m or 2d/],
    ["1", /like 30m/],
    ["soon", /like 30m/],
    ["1h 30m", /like 30m/],
    ["-1h", /like 30m/],
    ["30s", /at least 1m/],
    ["8d", /at most 7d/],
    ["169h", /at most 7d/],
  ])("refuses %j", (text, message) => {
    expect(() => parseGrantDuration(text)).toThrow(InvalidArgumentError);
    expect(() => parseGrantDuration(text)).toThrow(message);
  });

  it("prints spans back in the same form", () => {
    expect(shortDuration(3_600)).toBe("1h");
    expect(shortDuration(5_400)).toBe("1h30m");
    expect(shortDuration(172_800)).toBe("2d");
    expect(shortDuration(129_600)).toBe("1d12h");
    expect(shortDuration(90)).toBe("1m30s");
    expect(shortDuration(45)).toBe("45s");
    expect(shortDuration(0)).toBe("0s");
    expect(shortDuration(-1)).toBe("-");
    for (const text of ["30m", "1h30m", "2d", "1d12h"]) {
      expect(shortDuration(parseGrantDuration(text))).toBe(text);
    }
  });
});

describe("reasons are checked before anything is sent", () => {
  it("reject, break glass, request and revoke need one, and say why", () => {
    expect(() => requireReason(undefined, "to reject a review")).toThrow(UsageError);
    expect(() => requireReason(undefined, "to reject a review")).toThrow(
      "--reason is required to reject a review: say why; the requester sees it and the audit trail keeps it",
    );
    expect(() => requireReason("   ", "to break glass")).toThrow(
      /^--reason is required to break glass: say why the usual approvers cannot decide/,
    );
    expect(() => requireReason("", "to request a grant")).toThrow(
      /^--reason is required to request a grant/,
    );
    expect(() => requireReason(undefined, "to revoke a grant")).toThrow(
      /^--reason is required to revoke a grant/,
    );
  });

  it("trims a given reason and keeps it to 1000 characters", () => {
    expect(requireReason("  not now  ", "to reject a review")).toBe("not now");
    expect(requireReason("x".repeat(1000), "to reject a review")).toHaveLength(1000);
    expect(() => requireReason("x".repeat(1001), "to reject a review")).toThrow(
      "--reason is 1001 characters long; keep it to 1000 at most",
    );
  });

  it("an optional reason may be absent but not empty", () => {
    expect(optionalReason(undefined)).toBeUndefined();
    expect(optionalReason(" ok ")).toBe("ok");
    expect(() => optionalReason("  ")).toThrow(/^--reason is empty/);
  });

  it("approve: the reason is optional, except with --break-glass", () => {
    expect(approveBody({})).toEqual({});
    expect(approveBody({ reason: "fine" })).toEqual({ reason: "fine" });
    expect(() => approveBody({ breakGlass: true })).toThrow(/required to break glass/);
    expect(approveBody({ breakGlass: true, reason: "incident 12" })).toEqual({
      reason: "incident 12",
      breakGlass: true,
    });
  });
});

describe("ids", () => {
  it("accept rv-/gr- and 10 base32 characters, and refuse anything else", () => {
    expect(parseReviewId("rv-7k2m9x4qpa")).toBe("rv-7k2m9x4qpa");
    expect(parseGrantId(" gr-4h5j6k7l8m ")).toBe("gr-4h5j6k7l8m");
    for (const bad of ["rv-7k2m9x4qp", "RV-7K2M9X4QPA", "gr-7k2m9x4qpa", "7k2m9x4qpa", ""]) {
      expect(() => parseReviewId(bad)).toThrow("expected a review id such as rv-7k2m9x4qpa.");
    }
    expect(() => parseGrantId("rv-7k2m9x4qpa")).toThrow(/grant id such as gr-/);
  });
});
