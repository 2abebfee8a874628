import { describe, expect, it } from "vitest";
import { checkReviewConnection, checkReviewFlags, runnableSql } from "../src/commands/exec-review";
import { UsageError } from "../src/errors";
import { ReviewSchema } from "../src/http/approval-schemas";
import {
  asView,
  BOB,
  commandReview,
  fakeControlPlane,
  grantReview,
  NOW,
  runAgainst,
} from "./approval-fixtures";

const review = (overrides: Record<string, unknown> = {}) =>
  ReviewSchema.parse(asView(commandReview(overrides)));
const approved = { status: "approved", approvals: 2, decidedBy: BOB };

describe("exec --review: what may run", () => {
  it("an approved held command runs its SQL exactly as approved", () => {
    expect(runnableSql(review(approved), NOW)).toBe(
      "alter table users\n  add column nickname text",
    );
  });

  it.each([
    [
      "pending",
      {},
      "rv-7k2m9x4qpa is still pending: it needs 2 approvals from dba and has 1, expires in 29m; " +
        "run it once it is approved (see: airlock reviews show rv-7k2m9x4qpa)",
    ],
    [
      "executed",
      { status: "executed", executedAt: "2025-11-25T11:55:00.000Z" },
      "rv-7k2m9x4qpa has already run (5m ago); an approved command runs once",
    ],
    [
      "rejected",
      { status: "rejected", decidedBy: BOB, decisionReason: "not now" },
      "rv-7k2m9x4qpa was rejected by bob: not now; there is nothing to run",
    ],
    [
      "expired",
      { status: "expired" },
      "rv-7k2m9x4qpa expired without enough approvals; run the command again to ask anew",
    ],
    [
      "cancelled",
      { status: "cancelled" },
      "rv-7k2m9x4qpa was cancelled; run the command again to ask anew",
    ],
  ])("refuses a %s review and says why", (_status, overrides, message) => {
    expect(() => runnableSql(review(overrides), NOW)).toThrow(UsageError);
    expect(() => runnableSql(review(overrides), NOW)).toThrow(message);
  });

  it("refuses a grant review: a grant is not a command", () => {
    const grant = ReviewSchema.parse(asView(grantReview({ status: "approved", approvals: 1 })));
    expect(() => runnableSql(grant, NOW)).toThrow(
      'rv-9q8w7e6r5t is a grant review, not a held command; an approved grant applies to your sessions on "demo" by itself (see: airlock grants list)',
    );
  });

  it("refuses -c and -f: the approved text is what runs", () => {
    expect(() => checkReviewFlags({ command: "select 1" })).toThrow(
      "--review runs the approved text; drop -c",
    );
    expect(() => checkReviewFlags({ file: "x.sql" })).toThrow(
      "--review runs the approved text; drop -f",
    );
    expect(() => checkReviewFlags({})).not.toThrow();
  });

  it("refuses another connection than the review's", () => {
    expect(() => checkReviewConnection(review(approved), "demo", "demo")).not.toThrow();
    expect(() => checkReviewConnection(review(approved), "demo", "c-123")).not.toThrow();
    expect(() => checkReviewConnection(review(approved), "prod", "prod")).toThrow(
      'rv-7k2m9x4qpa is for connection "demo", not "prod"; run: airlock exec demo --review rv-7k2m9x4qpa',
    );
  });
});

describe("airlock exec --review (against a fake control plane)", () => {
  it("refuses -c before asking anything", async () => {
    const { fetch, seen } = fakeControlPlane(() => ({ status: 500, body: {} }));
    const result = await runAgainst(fetch, [
      "exec",
      "demo",
      "--review",
      "rv-7k2m9x4qpa",
      "-c",
      "drop table users",
    ]);
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: --review runs the approved text; drop -c\n(add --help for usage)\n",
    });
    expect(seen).toEqual([]);
  });

  it("reads the review and refuses one that is not approved, with exit code 2", async () => {
    const { fetch, seen } = fakeControlPlane(() => ({ status: 200, body: commandReview() }));
    const result = await runAgainst(fetch, ["exec", "demo", "--review", "rv-7k2m9x4qpa"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: rv-7k2m9x4qpa is still pending: it needs 2 approvals/);
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual(["GET /api/v1/reviews/rv-7k2m9x4qpa"]);
  });

  it("refuses a malformed id and an empty --reason without a request", async () => {
    const { fetch, seen } = fakeControlPlane(() => ({ status: 500, body: {} }));
    const bad = await runAgainst(fetch, ["exec", "demo", "--review", "7k2m9x4qpa"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("expected a review id such as rv-7k2m9x4qpa.");
    const empty = await runAgainst(fetch, ["exec", "demo", "--reason", " ", "-c", "select 1"]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("--reason is empty");
    expect(seen).toEqual([]);
  });
});
