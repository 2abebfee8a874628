import { describe, expect, it } from "vitest";
import { castVote, mayVote, type ReviewState, type Voter } from "../src/approvals/vote-rules";

const NOW = new Date("2026-12-02T10:00:00Z");
const base: ReviewState = {
  id: "rv-0000000001",
  status: "pending",
  requesterId: "requester",
  approverGroups: ["dba"],
  breakGlassGroups: ["oncall"],
  minApprovals: 2,
  expiresAt: new Date("2026-12-02T10:30:00Z"),
  votes: [],
  decidedByName: null,
};
const alice: Voter = { userId: "alice", name: "alice", groups: ["dba"] };
const bob: Voter = { userId: "bob", name: "bob", groups: ["dba", "engineers"] };
const olivia: Voter = { userId: "olivia", name: "olivia", groups: ["oncall"] };
const carol: Voter = { userId: "carol", name: "carol", groups: ["engineers"] };
const requester: Voter = { userId: "requester", name: "rita", groups: ["dba"] };

describe("castVote", () => {
  it("nobody votes on their own request, even as a member of the approver group", () => {
    expect(() => castVote(base, requester, { verdict: "approve" }, NOW)).toThrow(
      /nobody may approve or reject their own request/,
    );
    expect(() => castVote(base, requester, { verdict: "reject", reason: "x" }, NOW)).toThrow(
      /own request/,
    );
  });

  it("only members of the approver or break-glass groups vote", () => {
    expect(() => castVote(base, carol, { verdict: "approve" }, NOW)).toThrow(
      /needs a member of dba \(or break glass: oncall\); you are in engineers/,
    );
  });

  it("one approval of a quorum of 2 is recorded, not released", () => {
    expect(castVote(base, alice, { verdict: "approve" }, NOW)).toEqual({
      kind: "recorded",
      approvals: 1,
      breakGlass: false,
    });
  });

  it("the second distinct approval releases it", () => {
    const one = { ...base, votes: [{ voterId: "alice", verdict: "approve" as const }] };
    expect(castVote(one, bob, { verdict: "approve" }, NOW)).toMatchObject({
      kind: "approved",
      approvals: 2,
    });
  });

  it("each person votes once", () => {
    const one = { ...base, votes: [{ voterId: "alice", verdict: "approve" as const }] };
    expect(() => castVote(one, alice, { verdict: "approve" }, NOW)).toThrow(/already voted/);
  });

  it("a reject needs a reason and ends the review", () => {
    expect(() => castVote(base, alice, { verdict: "reject" }, NOW)).toThrow(
      /a reject needs a reason/,
    );
    expect(castVote(base, alice, { verdict: "reject", reason: " no " }, NOW).kind).toBe("rejected");
  });

  it("a reject is final: no vote counts afterwards, and the message names who decided", () => {
    const rejected = { ...base, status: "rejected" as const, decidedByName: "bob" };
    expect(() => castVote(rejected, alice, { verdict: "approve" }, NOW)).toThrow(
      "review rv-0000000001 is rejected by bob; only pending reviews take votes",
    );
  });

  it("a review past its expiry takes no vote, even before the sweep marks it", () => {
    const late = new Date("2026-12-02T10:30:00Z");
    expect(() => castVote(base, alice, { verdict: "approve" }, late)).toThrow(/is expired/);
  });

  it("break glass approves alone, only with a reason, only for break-glass members", () => {
    expect(() => castVote(base, olivia, { verdict: "approve", breakGlass: true }, NOW)).toThrow(
      /break-glass approval needs a reason/,
    );
    expect(
      castVote(base, olivia, { verdict: "approve", breakGlass: true, reason: "incident" }, NOW),
    ).toEqual({ kind: "approved", approvals: 1, breakGlass: true });
    expect(() =>
      castVote(base, alice, { verdict: "approve", breakGlass: true, reason: "x" }, NOW),
    ).toThrow(/break-glass approval .* needs a member of oncall/);
  });

  it("a break-glass member without --break-glass cannot approve as an ordinary approver", () => {
    expect(() => castVote(base, olivia, { verdict: "approve" }, NOW)).toThrow(
      /only with break glass/,
    );
  });

  it("a break-glass member may reject", () => {
    expect(castVote(base, olivia, { verdict: "reject", reason: "no" }, NOW).kind).toBe("rejected");
  });
});

describe("mayVote (what waits for whom)", () => {
  it.each([
    ["an approver who has not voted", base, alice, true],
    ["the requester", base, requester, false],
    ["someone outside the groups", base, carol, false],
    ["a break-glass member", base, olivia, true],
    [
      "an approver who voted",
      { ...base, votes: [{ voterId: "alice", verdict: "approve" as const }] },
      alice,
      false,
    ],
    ["anyone, once decided", { ...base, status: "approved" as const }, alice, false],
  ])("%s: %s", (_name, review, voter, expected) => {
    expect(mayVote(review, voter)).toBe(expected);
  });
});
