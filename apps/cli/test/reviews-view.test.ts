import { describe, expect, it } from "vitest";
import { GrantSchema, ReviewDetailSchema, ReviewSchema } from "../src/http/approval-schemas";
import { grantTable, revokeLine } from "../src/views/grants";
import {
  approveLine,
  dataLabel,
  needsLabel,
  rejectLine,
  reviewDetails,
  reviewTable,
  reviewWhat,
} from "../src/views/reviews";
import { activeGrant, asView, BOB, commandReview, grantReview, NOW } from "./approval-fixtures";

// Every fixture is built with the control plane's own shapes, then read with the CLI's.
const review = (overrides: Record<string, unknown> = {}) =>
  ReviewDetailSchema.parse(commandReview(overrides));
const grantRequest = (overrides: Record<string, unknown> = {}) =>
  ReviewDetailSchema.parse(grantReview(overrides));
const answer = (detail: ReturnType<typeof commandReview>) => ReviewSchema.parse(asView(detail));

const rejected = {
  status: "rejected",
  decidedAt: "2025-11-25T11:59:50.000Z",
  decidedBy: BOB,
  decisionReason: "not in business hours",
};

describe("reviews list view", () => {
  it("shows id, kind, status, requester, connection, what, approvals and time left", () => {
    expect(reviewTable([review(), grantRequest(), review(rejected)], NOW)).toBe(
      [
        "ID              KIND      STATUS     REQUESTER   CONNECTION   WHAT                                         APPROVALS   EXPIRES",
        "rv-7k2m9x4qpa   command   pending    alice       demo         alter table users add column nickname text   1/2         in 29m",
        "rv-9q8w7e6r5t   grant     pending    carol       demo         role dba-write for 1h                        0/1         in 30m",
        "rv-7k2m9x4qpa   command   rejected   alice       demo         alter table users add column nickname text   1/2         -",
      ].join("\n") + "\n",
    );
  });

  it("puts long SQL on one line and cuts it", () => {
    const long = review({
      sql: `update accounts\n   set balance = 0\n where ${"x = 1 and ".repeat(9)}y`,
    });
    expect(reviewWhat(long, 48)).toBe("update accounts set balance = 0 where x = 1 and…");
    expect(reviewWhat(long)).toMatch(/and y$/);
    expect(reviewTable([long], NOW)).toContain(
      "update accounts set balance = 0 where x = 1 and…   1/2",
    );
    expect(reviewWhat(grantRequest({ grantDurationSeconds: 5_400 }))).toBe(
      "role dba-write for 1h30m",
    );
  });

  it("escapes control characters the SQL holds", () => {
    expect(reviewTable([review({ sql: "select '\u001b[2J'" })], NOW)).toContain(
      "select '\\x1b[2J'",
    );
  });

  it("says what the quorum is", () => {
    expect(needsLabel({ minApprovals: 1, approvers: ["dba"] })).toBe("needs 1 approval from dba");
    expect(needsLabel({ minApprovals: 2, approvers: ["dba", "sre"] })).toBe(
      "needs 2 approvals from dba or sre",
    );
  });
});

describe("reviews show view", () => {
  it("prints every field, the SQL in full, the votes and the trail in time order", () => {
    expect(reviewDetails(review(), NOW)).toBe(
      [
        "Review:         rv-7k2m9x4qpa",
        "Kind:           command",
        "Status:         pending: needs 2 approvals from dba, has 1; expires in 29m",
        "Requester:      alice",
        "Connection:     demo",
        "Session:        3f0c1a52-8d7e-4c1b-9a51-0b7c2d4e6f80 (command 4)",
        "Rule:           demo/ddl-needs-dba",
        "Approvers:      dba (break glass: sre-oncall)",
        "Approvals:      1 of 2",
        "Justification:  ticket 4711",
        "Created:        2025-11-25 11:59:00 UTC (60s ago)",
        "Expires:        2025-11-25 12:29:00 UTC (in 29m)",
        "Decided:        -",
        "Executed:       -",
        "You may vote:   yes",
        "",
        "SQL:",
        "  alter table users",
        "    add column nickname text",
        "",
        "Votes:",
        "TIME                                VOTER   VOTE      REASON",
        "2025-11-25 11:59:30 UTC (30s ago)   bob     approve   looks fine",
        "",
        "Trail:",
        "TIME                          EVENT              OUTCOME   ACTOR   DETAILS",
        "2025-11-25 11:59:00.000 UTC   review.requested   success   alice   rule=demo/ddl-needs-dba sessionId=3f0c1a52-8d7e-4c1b-9a51-0b7c2d4e6f80 seq=4",
        "2025-11-25 11:59:30.000 UTC   review.vote        success   bob     verdict=approve reason=looks fine",
      ].join("\n") + "\n",
    );
  });

  it("shows who decided and why, break glass, and the run of an executed command", () => {
    const text = reviewDetails(
      review({
        status: "executed",
        approvals: 1,
        breakGlass: true,
        decidedAt: "2025-11-25T11:59:40.000Z",
        decidedBy: BOB,
        decisionReason: "incident 12",
        executedAt: "2025-11-25T11:59:41.000Z",
        executionSessionId: "9b2e4f10-0000-4000-8000-000000000001",
        votes: [
          {
            voter: BOB,
            verdict: "approve",
            reason: "incident 12",
            breakGlass: true,
            at: "2025-11-25T11:59:40.000Z",
          },
        ],
        canVote: false,
      }),
      NOW,
    );
    expect(text).toMatch(/^Status: +executed, break glass$/m);
    expect(text).toMatch(/^Decided: +2025-11-25 11:59:40 UTC \(20s ago\) by bob: incident 12$/m);
    expect(text).toMatch(
      /^Executed: +2025-11-25 11:59:41 UTC \(19s ago\) in session 9b2e4f10-0000-4000-8000-000000000001$/m,
    );
    expect(text).toMatch(/bob +approve \(break glass\) +incident 12$/m);
    expect(text).toMatch(/^You may vote: +no$/m);
    expect(reviewDetails(review(rejected), NOW)).toMatch(
      /^Status: +rejected by bob: not in business hours$/m,
    );
  });

  it("shows a grant request's role, span and grant, and no SQL", () => {
    const text = reviewDetails(
      grantRequest({ status: "approved", approvals: 1, grantId: "gr-4h5j6k7l8m", trail: [] }),
      NOW,
    );
    expect(text).toMatch(/^Kind: +grant \(a request for elevation\)$/m);
    expect(text).toMatch(/^Role: +dba-write\nFor: +1h\nGrant: +gr-4h5j6k7l8m$/m);
    expect(text).not.toContain("SQL:");
    expect(text).not.toContain("Trail:");
    expect(text).toMatch(/Votes: none yet\n$/);
  });

  it("writes event data as key=value on one line", () => {
    expect(dataLabel({ reason: "a\nb", n: 2, ok: true, gone: null, list: ["x"] })).toBe(
      'reason=a b n=2 ok=true list=["x"]',
    );
    expect(dataLabel(undefined)).toBe("");
  });
});

describe("approve and reject lines", () => {
  it("says whether the vote released the review or was counted", () => {
    expect(approveLine(answer(commandReview({ status: "approved", approvals: 2 })))).toBe(
      "approved: rv-7k2m9x4qpa (2/2 approvals); the command runs in alice's session\n",
    );
    expect(approveLine(answer(commandReview({ approvals: 1 })))).toBe(
      "recorded your approval: 1 of 2 (rv-7k2m9x4qpa waits for 1 more)\n",
    );
    expect(
      approveLine(answer(commandReview({ status: "approved", approvals: 1, breakGlass: true }))),
    ).toBe(
      "approved (break glass): rv-7k2m9x4qpa (1/2 approvals); the command runs in alice's session\n",
    );
    expect(
      approveLine(
        answer(grantReview({ status: "approved", approvals: 1, grantId: "gr-4h5j6k7l8m" })),
      ),
    ).toBe(
      "approved: rv-9q8w7e6r5t (1/1 approvals); carol holds dba-write on demo for 1h (grant gr-4h5j6k7l8m)\n",
    );
  });

  it("names what was rejected and why", () => {
    expect(rejectLine(answer(commandReview(rejected)))).toBe(
      "rejected: rv-7k2m9x4qpa (alice's command): not in business hours\n",
    );
    expect(rejectLine(answer(grantReview(rejected)))).toBe(
      "rejected: rv-9q8w7e6r5t (carol's request): not in business hours\n",
    );
  });
});

describe("grants views", () => {
  const grants = [
    GrantSchema.parse(activeGrant()),
    GrantSchema.parse(
      activeGrant({
        id: "gr-0000000000",
        status: "revoked",
        endedAt: "2025-11-25T11:50:00.000Z",
        revokedBy: BOB,
        revokeReason: "done",
      }),
    ),
    GrantSchema.parse(
      activeGrant({
        id: "gr-1111111111",
        status: "expired",
        startsAt: "2025-11-25T09:00:00.000Z",
        expiresAt: "2025-11-25T10:00:00.000Z",
        endedAt: "2025-11-25T10:00:00.000Z",
      }),
    ),
  ];

  it("lists grants with the time left or since they ended", () => {
    expect(grantTable(grants, NOW)).toBe(
      [
        "ID              USER    CONNECTION   ROLE        STATUS    STARTED   ENDS               REVIEW",
        "gr-4h5j6k7l8m   carol   demo         dba-write   active    20m ago   in 40m             rv-9q8w7e6r5t",
        "gr-0000000000   carol   demo         dba-write   revoked   20m ago   10m ago (by bob)   rv-9q8w7e6r5t",
        "gr-1111111111   carol   demo         dba-write   expired   3h ago    2h ago             rv-9q8w7e6r5t",
      ].join("\n") + "\n",
    );
  });

  it("names the revoked grant, or just its id when the answer is not a grant", () => {
    expect(revokeLine("gr-4h5j6k7l8m", activeGrant({ status: "revoked" }))).toBe(
      "revoked: gr-4h5j6k7l8m (carol's dba-write on demo); live sessions lose it within 10s\n",
    );
    expect(revokeLine("gr-4h5j6k7l8m", {})).toBe("revoked: gr-4h5j6k7l8m\n");
  });
});
