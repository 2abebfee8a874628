// `airlock reviews`, `airlock request` and `airlock grants` against a fake control plane:
// what each sends, what it prints, and its exit code. The real control plane is exercised
// by the end-to-end suites.
import { describe, expect, it } from "vitest";
import { waitForDecision } from "../src/commands/review-wait";
import { ReviewDetailSchema } from "../src/http/approval-schemas";
import { UnreachableError } from "../src/http/errors";
import {
  activeGrant,
  asView,
  BOB,
  commandReview,
  fakeControlPlane,
  grantReview,
  runAgainst,
  type Seen,
} from "./approval-fixtures";

const requests = (seen: readonly Seen[]) => seen.map((s) => `${s.method} ${s.path}`);

describe("airlock reviews, request and grants --help", () => {
  it.each([
    ["reviews"],
    ["reviews", "list"],
    ["reviews", "show"],
    ["reviews", "approve"],
    ["reviews", "reject"],
    ["request"],
    ["grants"],
    ["grants", "list"],
    ["grants", "revoke"],
  ])("%s … --help exits 0", async (...command) => {
    const { fetch } = fakeControlPlane(() => ({ status: 500, body: {} }));
    const result = await runAgainst(fetch, [...command, "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: airlock/);
  });

  it("the root help lists the new commands and every exit code", async () => {
    const { fetch } = fakeControlPlane(() => ({ status: 500, body: {} }));
    const { stdout } = await runAgainst(fetch, ["--help"]);
    expect(stdout).toMatch(/^ {2}reviews /m);
    expect(stdout).toMatch(/^ {2}request /m);
    expect(stdout).toMatch(/^ {2}grants /m);
    expect(stdout).toContain("exec --no-wait: 5 held for review");
    expect(stdout).toContain("request --wait: 4 rejected or expired");
  });
});

describe("airlock reviews list", () => {
  it("asks for the reviews waiting for me by default, and prints a table", async () => {
    const { fetch, seen } = fakeControlPlane(() => ({
      status: 200,
      body: { items: [asView(commandReview())] },
    }));
    const result = await runAgainst(fetch, ["reviews", "list"]);
    expect(result.code).toBe(0);
    expect(requests(seen)).toEqual(["GET /api/v1/reviews?scope=to-approve"]);
    expect(result.stdout.split("\n")[1]).toMatch(
      /^rv-7k2m9x4qpa {3}command {3}pending {3}alice .* 1\/2 {9}in 29m$/,
    );
  });

  it("--mine, --all and --status choose the query", async () => {
    const { fetch, seen } = fakeControlPlane(() => ({ status: 200, body: { items: [] } }));
    await runAgainst(fetch, ["reviews", "list", "--mine"]);
    await runAgainst(fetch, ["reviews", "list", "--all", "--status", "approved"]);
    expect(requests(seen)).toEqual([
      "GET /api/v1/reviews?scope=mine",
      "GET /api/v1/reviews?scope=all&status=approved",
    ]);
    const both = await runAgainst(fetch, ["reviews", "list", "--mine", "--all"]);
    expect(both.code).toBe(2);
    const status = await runAgainst(fetch, ["reviews", "list", "--status", "later"]);
    expect(status.code).toBe(2);
    expect(seen).toHaveLength(2);
  });

  it("prints a friendly line when nothing waits, and {items} with -o json", async () => {
    const { fetch } = fakeControlPlane(() => ({ status: 200, body: { items: [] } }));
    expect(await runAgainst(fetch, ["reviews", "list"])).toEqual({
      code: 0,
      stdout: "Nothing waits for your approval.\n",
      stderr: "",
    });
    expect((await runAgainst(fetch, ["reviews", "list", "--mine"])).stdout).toBe(
      "You have asked for no reviews.\n",
    );
    expect((await runAgainst(fetch, ["reviews", "list", "-o", "json"])).stdout).toBe(
      '{\n  "items": []\n}\n',
    );
  });
});

describe("airlock reviews show", () => {
  it("prints the review with its SQL, votes and trail; -o json passes it on", async () => {
    const detail = commandReview();
    const { fetch, seen } = fakeControlPlane(() => ({ status: 200, body: detail }));
    const result = await runAgainst(fetch, ["reviews", "show", "rv-7k2m9x4qpa"]);
    expect(result.code).toBe(0);
    expect(requests(seen)).toEqual(["GET /api/v1/reviews/rv-7k2m9x4qpa"]);
    expect(result.stdout).toContain("SQL:\n  alter table users\n    add column nickname text\n");
    expect(result.stdout).toMatch(/Trail:\n.*\n.*review\.requested.*\n.*review\.vote/);
    const json = await runAgainst(fetch, ["reviews", "show", "rv-7k2m9x4qpa", "-o", "json"]);
    expect(ReviewDetailSchema.parse(JSON.parse(json.stdout))).toMatchObject({
      id: "rv-7k2m9x4qpa",
      trail: [{ code: "review.vote" }, { code: "review.requested" }],
    });
  });

  it("passes on the control plane's refusal", async () => {
    const { fetch } = fakeControlPlane(() => ({
      status: 404,
      body: { error: { code: "not_found", message: "no review rv-0000000000" } },
    }));
    const result = await runAgainst(fetch, ["reviews", "show", "rv-0000000000"]);
    expect(result).toMatchObject({ code: 1, stdout: "" });
    expect(result.stderr).toBe(
      "error: no review rv-0000000000 (GET /api/v1/reviews/rv-0000000000 → 404)\n",
    );
  });
});

describe("airlock reviews approve and reject", () => {
  it("approve sends the optional reason and prints the outcome", async () => {
    const { fetch, seen } = fakeControlPlane(() => ({
      status: 200,
      body: asView(commandReview({ status: "approved", approvals: 2 })),
    }));
    const result = await runAgainst(fetch, [
      "reviews",
      "approve",
      "rv-7k2m9x4qpa",
      "--reason",
      "ok",
    ]);
    expect(result).toEqual({
      code: 0,
      stdout: "approved: rv-7k2m9x4qpa (2/2 approvals); the command runs in alice's session\n",
      stderr: "",
    });
    expect(seen).toEqual([
      { method: "POST", path: "/api/v1/reviews/rv-7k2m9x4qpa/approve", body: { reason: "ok" } },
    ]);
  });

  it("approve without a reason sends an empty body; a partial quorum is counted", async () => {
    const { fetch, seen } = fakeControlPlane(() => ({
      status: 200,
      body: asView(commandReview()),
    }));
    const result = await runAgainst(fetch, ["reviews", "approve", "rv-7k2m9x4qpa"]);
    expect(result.stdout).toBe("recorded your approval: 1 of 2 (rv-7k2m9x4qpa waits for 1 more)\n");
    expect(seen[0]?.body).toEqual({});
  });

  it("--break-glass needs a reason, checked before any request", async () => {
    const { fetch, seen } = fakeControlPlane(() => ({
      status: 200,
      body: asView(commandReview({ status: "approved", breakGlass: true })),
    }));
    const refused = await runAgainst(fetch, [
      "reviews",
      "approve",
      "rv-7k2m9x4qpa",
      "--break-glass",
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: --reason is required to break glass: /);
    expect(seen).toEqual([]);
    const ok = await runAgainst(fetch, [
      "reviews",
      "approve",
      "rv-7k2m9x4qpa",
      "--break-glass",
      "--reason",
      "incident 12",
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^approved \(break glass\): rv-7k2m9x4qpa/);
    expect(seen[0]?.body).toEqual({ reason: "incident 12", breakGlass: true });
  });

  it("reject needs a reason, checked before any request", async () => {
    const decided = asView(
      commandReview({ status: "rejected", decidedBy: BOB, decisionReason: "not now" }),
    );
    const { fetch, seen } = fakeControlPlane(() => ({ status: 200, body: decided }));
    const refused = await runAgainst(fetch, ["reviews", "reject", "rv-7k2m9x4qpa"]);
    expect(refused).toMatchObject({ code: 2, stdout: "" });
    expect(refused.stderr).toMatch(/^error: --reason is required to reject a review: say why/);
    expect(seen).toEqual([]);
    const ok = await runAgainst(fetch, [
      "reviews",
      "reject",
      "rv-7k2m9x4qpa",
      "--reason",
      "not now",
    ]);
    expect(ok).toEqual({
      code: 0,
      stdout: "rejected: rv-7k2m9x4qpa (alice's command): not now\n",
      stderr: "",
    });
    expect(seen).toEqual([
      { method: "POST", path: "/api/v1/reviews/rv-7k2m9x4qpa/reject", body: { reason: "not now" } },
    ]);
  });

  it("shows a conflict (already decided) as the control plane words it", async () => {
    const { fetch } = fakeControlPlane(() => ({
      status: 409,
      body: { error: { code: "conflict", message: "rv-7k2m9x4qpa was already rejected by bob" } },
    }));
    const result = await runAgainst(fetch, ["reviews", "approve", "rv-7k2m9x4qpa"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("rv-7k2m9x4qpa was already rejected by bob");
  });
});

describe("airlock request", () => {
  const args = ["request", "demo", "--role", "dba-write", "--for", "1h30m", "--reason", "fix 4711"];

  it("sends connection, role, seconds and reason; prints the id and who approves", async () => {
    const { fetch, seen } = fakeControlPlane(() => ({
      status: 201,
      body: asView(grantReview({ grantDurationSeconds: 5_400 })),
    }));
    const result = await runAgainst(fetch, args);
    expect(result).toEqual({
      code: 0,
      stdout:
        "requested role dba-write on demo for 1h30m: review rv-9q8w7e6r5t\n" +
        "needs 1 approval from dba (the request expires in 30m); an approver runs: airlock reviews approve rv-9q8w7e6r5t\n",
      stderr: "",
    });
    expect(seen).toEqual([
      {
        method: "POST",
        path: "/api/v1/grants/requests",
        body: { connection: "demo", role: "dba-write", durationSeconds: 5_400, reason: "fix 4711" },
      },
    ]);
  });

  it("checks --for and --reason before any request", async () => {
    const { fetch, seen } = fakeControlPlane(() => ({ status: 500, body: {} }));
    const noReason = await runAgainst(fetch, args.slice(0, -2));
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/^error: --reason is required to request a grant/);
    const badFor = await runAgainst(fetch, ["request", "demo", "--role", "r", "--for", "1y"]);
    expect(badFor.code).toBe(2);
    expect(badFor.stderr).toContain("expected a duration like 30m, 1h, 1h30m or 2d.");
    const noRole = await runAgainst(fetch, ["request", "demo", "--for", "1h", "--reason", "x"]);
    expect(noRole.code).toBe(2);
    expect(seen).toEqual([]);
  });

  it("--wait: exit 0 once approved", async () => {
    const { fetch, seen } = fakeControlPlane((req) =>
      req.method === "POST"
        ? { status: 201, body: asView(grantReview()) }
        : {
            status: 200,
            body: grantReview({
              status: "approved",
              approvals: 1,
              grantId: "gr-4h5j6k7l8m",
              decidedBy: BOB,
              votes: [
                {
                  voter: BOB,
                  verdict: "approve",
                  reason: null,
                  breakGlass: false,
                  at: "2025-11-25T12:00:00.000Z",
                },
              ],
            }),
          },
    );
    const result = await runAgainst(fetch, [...args, "--wait"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /\napproved by bob: you hold dba-write on demo for 1h \(grant gr-4h5j6k7l8m\)\n$/,
    );
    expect(result.stderr).toBe(
      "waiting for review rv-9q8w7e6r5t (needs 1 approval from dba); Ctrl-C stops waiting\n",
    );
    expect(requests(seen)).toEqual([
      "POST /api/v1/grants/requests",
      "GET /api/v1/reviews/rv-9q8w7e6r5t",
    ]);
  });

  it("--wait: exit 4 when rejected or expired", async () => {
    for (const outcome of [
      {
        status: "rejected",
        decidedBy: BOB,
        decidedAt: "2025-11-25T11:59:00.000Z",
        decisionReason: "no",
      },
      { status: "expired" },
    ]) {
      const { fetch } = fakeControlPlane((req) =>
        req.method === "POST"
          ? { status: 201, body: asView(grantReview()) }
          : { status: 200, body: grantReview(outcome) },
      );
      const result = await runAgainst(fetch, [...args, "--wait"]);
      expect(result.code).toBe(4);
      expect(result.stderr.split("\n").at(-2)).toBe(
        outcome.status === "rejected"
          ? "request rv-9q8w7e6r5t rejected by bob 60s ago: no"
          : "request rv-9q8w7e6r5t expired",
      );
    }
  });

  it("--wait -o json prints only the final review", async () => {
    const { fetch } = fakeControlPlane((req) =>
      req.method === "POST"
        ? { status: 201, body: asView(grantReview()) }
        : { status: 200, body: grantReview({ status: "expired" }) },
    );
    const result = await runAgainst(fetch, [...args, "--wait", "-o", "json"]);
    expect(result.code).toBe(4);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: "rv-9q8w7e6r5t", status: "expired" });
  });
});

describe("waiting for a decision", () => {
  const never = new Promise<void>(() => undefined);

  it("reads the review until it is no longer pending", async () => {
    const answers = ["pending", "pending", "approved"];
    let reads = 0;
    const api = {
      getReview: () =>
        Promise.resolve(
          ReviewDetailSchema.parse(grantReview({ status: answers[reads++] ?? "approved" })),
        ),
    };
    const final = await waitForDecision(api, "rv-9q8w7e6r5t", { intervalMs: 1, stop: never });
    expect(final?.status).toBe("approved");
    expect(reads).toBe(3);
  });

  it("rides out a few failed reads, but not too many", async () => {
    let reads = 0;
    const flaky = {
      getReview: () =>
        ++reads < 3
          ? Promise.reject(new UnreachableError("cannot reach the control plane"))
          : Promise.resolve(ReviewDetailSchema.parse(grantReview({ status: "rejected" }))),
    };
    expect((await waitForDecision(flaky, "rv-x", { intervalMs: 1, stop: never }))?.status).toBe(
      "rejected",
    );
    const down = { getReview: () => Promise.reject(new UnreachableError("down")) };
    await expect(
      waitForDecision(down, "rv-x", { intervalMs: 1, stop: never, maxFailures: 2 }),
    ).rejects.toThrow("down");
  });

  it("stops when asked (Ctrl-C), leaving the request pending", async () => {
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const api = {
      getReview: () => {
        stop();
        return Promise.resolve(ReviewDetailSchema.parse(grantReview()));
      },
    };
    expect(await waitForDecision(api, "rv-x", { intervalMs: 60_000, stop: stopped })).toBe(
      undefined,
    );
  });
});

describe("airlock grants", () => {
  it("list: mine by default, --all and --status; a hint when there are none", async () => {
    const { fetch, seen } = fakeControlPlane((req) => ({
      status: 200,
      body: { items: req.path.includes("all") ? [activeGrant()] : [] },
    }));
    const mine = await runAgainst(fetch, ["grants", "list"]);
    expect(mine.stdout).toBe(
      'You hold no grants. Ask for one with: airlock request <connection> --role <role> --for 1h --reason "…"\n',
    );
    const all = await runAgainst(fetch, ["grants", "list", "--all", "--status", "active"]);
    expect(all.stdout).toMatch(/^ID {14}USER .*\ngr-4h5j6k7l8m {3}carol {3}demo /);
    expect(requests(seen)).toEqual([
      "GET /api/v1/grants?scope=mine",
      "GET /api/v1/grants?scope=all&status=active",
    ]);
  });

  it("revoke needs a reason, then sends it and names the grant", async () => {
    const { fetch, seen } = fakeControlPlane(() => ({
      status: 200,
      body: activeGrant({ status: "revoked", revokedBy: BOB, revokeReason: "done" }),
    }));
    const refused = await runAgainst(fetch, ["grants", "revoke", "gr-4h5j6k7l8m"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: --reason is required to revoke a grant/);
    expect(seen).toEqual([]);
    const ok = await runAgainst(fetch, ["grants", "revoke", "gr-4h5j6k7l8m", "--reason", "done"]);
    expect(ok).toEqual({
      code: 0,
      stdout:
        "revoked: gr-4h5j6k7l8m (carol's dba-write on demo); live sessions lose it within 10s\n",
      stderr: "",
    });
    expect(seen).toEqual([
      { method: "POST", path: "/api/v1/grants/gr-4h5j6k7l8m/revoke", body: { reason: "done" } },
    ]);
  });
});
