// Reviews and grants as the control plane sends them, built and checked with its own zod
// shapes (approval.schemas.ts), so a fixture that drifts from the contract fails here first;
// and a fake control plane (a fake fetch) that answers the CLI's requests with them.
import {
  GrantView,
  ReviewDetail,
  ReviewView,
} from "../../control-plane/src/approvals/approval.schemas";
import { runCli } from "../src/cli";
import { captureContext } from "./helpers";

export const NOW = new Date("2025-11-25T12:00:00.000Z");

export const ALICE = { id: "0b7c2d4e-6f80-4c1b-9a51-3f0c1a528d7e", name: "alice" };
export const BOB = { id: "1c8d3e5f-7091-4d2c-8b62-4a1d2b639e8f", name: "bob" };
export const CAROL = { id: "2d9e4f60-81a2-4e3d-9c73-5b2e3c74af90", name: "carol" };
const SESSION = "3f0c1a52-8d7e-4c1b-9a51-0b7c2d4e6f80";

/** A pending held command: `alter table users …`, 1 of 2 approvals, expiring in 29m. */
export function commandReview(overrides: Record<string, unknown> = {}): ReviewDetail {
  return ReviewDetail.parse({
    id: "rv-7k2m9x4qpa",
    kind: "command",
    status: "pending",
    requester: { ...ALICE, kind: "human", owner: null },
    connection: "demo",
    sessionId: SESSION,
    commandSeq: 4,
    sql: "alter table users\n  add column nickname text",
    grantRole: null,
    grantDurationSeconds: null,
    ruleId: "demo/ddl-needs-dba",
    approvers: ["dba"],
    breakGlassGroups: ["sre-oncall"],
    minApprovals: 2,
    approvals: 1,
    justification: "ticket 4711",
    createdAt: "2025-11-25T11:59:00.000Z",
    expiresAt: "2025-11-25T12:29:00.000Z",
    decidedAt: null,
    decidedBy: null,
    decisionReason: null,
    breakGlass: false,
    executedAt: null,
    executionSessionId: null,
    grantId: null,
    votes: [
      {
        voter: BOB,
        verdict: "approve",
        reason: "looks fine",
        breakGlass: false,
        at: "2025-11-25T11:59:30.000Z",
      },
    ],
    canVote: true,
    trail: [
      {
        id: "2",
        code: "review.vote",
        outcome: "success",
        at: "2025-11-25T11:59:30.000Z",
        actor: "bob",
        data: { verdict: "approve", reason: "looks fine" },
      },
      {
        id: "1",
        code: "review.requested",
        outcome: "success",
        at: "2025-11-25T11:59:00.000Z",
        actor: "alice",
        data: { rule: "demo/ddl-needs-dba", sessionId: SESSION, seq: 4 },
      },
    ],
    ...overrides,
  });
}

/** A pending request for `dba-write` on demo for 1h, needing 1 approval from dba. */
export function grantReview(overrides: Record<string, unknown> = {}): ReviewDetail {
  return commandReview({
    id: "rv-9q8w7e6r5t",
    kind: "grant",
    requester: { ...CAROL, kind: "human", owner: null },
    sessionId: null,
    commandSeq: null,
    sql: null,
    grantRole: "dba-write",
    grantDurationSeconds: 3600,
    ruleId: "dba-write-elevation",
    breakGlassGroups: [],
    minApprovals: 1,
    approvals: 0,
    justification: "fix ticket 4711",
    expiresAt: "2025-11-25T12:30:00.000Z",
    votes: [],
    trail: [],
    ...overrides,
  });
}

/** Only the fields of ReviewView (what approve, reject and request answer with). */
export function asView(review: ReviewDetail): ReviewView {
  const { trail: _trail, ...view } = review;
  return ReviewView.parse(view);
}

export function activeGrant(overrides: Record<string, unknown> = {}): GrantView {
  return GrantView.parse({
    id: "gr-4h5j6k7l8m",
    reviewId: "rv-9q8w7e6r5t",
    user: CAROL,
    connection: "demo",
    role: "dba-write",
    policies: ["dba-write-elevation"],
    status: "active",
    startsAt: "2025-11-25T11:40:00.000Z",
    expiresAt: "2025-11-25T12:40:00.000Z",
    endedAt: null,
    revokedBy: null,
    revokeReason: null,
    ...overrides,
  });
}

export interface Seen {
  readonly method: string;
  /** Path and query, e.g. `/api/v1/reviews?scope=mine`. */
  readonly path: string;
  readonly body: unknown;
}

export type Answer = { status: number; body: unknown };

/**
 * A fake control plane for CLI-unit tests of what is sent and printed: every request is
 * recorded, and `answer` gives the status and JSON body.
 */
export function fakeControlPlane(answer: (seen: Seen) => Answer) {
  const seen: Seen[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const text = typeof init?.body === "string" ? init.body : "";
    const request: Seen = {
      method: init?.method ?? "GET",
      path: `${url.pathname}${url.search}`,
      body: text === "" ? undefined : (JSON.parse(text) as unknown),
    };
    seen.push(request);
    const { status, body } = answer(request);
    return Promise.resolve(
      new Response(JSON.stringify(body), {
        status,
        headers: { "content-type": "application/json" },
      }),
    );
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}

/** Runs the CLI against `fetch` as a logged-in user (environment only, no config file). */
export async function runAgainst(
  fetch: typeof globalThis.fetch,
  args: string[],
  options: { stderrIsTTY?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const captured = captureContext(
    {
      HOME: "/nonexistent",
      AIRLOCK_URL: "http://cp.test",
      AIRLOCK_API_KEY: `alk_key_${"1".repeat(12)}_${"x".repeat(43)}`,
    },
    { now: NOW, stdinIsTTY: true, stderrIsTTY: options.stderrIsTTY },
  );
  const code = await runCli({ ...captured.ctx, fetch }, args);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}
