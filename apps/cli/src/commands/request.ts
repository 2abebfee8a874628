import type { Command } from "commander";
import { type CliContext, connect } from "../context";
import { EXIT_NOT_APPROVED, ReportedError } from "../errors";
import type { AirlockApi } from "../http/airlock-api";
import type { Review } from "../http/approval-schemas";
import { Spinner } from "../io/spinner";
import { shortDuration } from "../output/duration";
import { outputOption } from "../output/format-option";
import { renderJson } from "../output/json";
import { sanitize } from "../output/text";
import { formatRelative } from "../output/time";
import { needsLabel, outcomeLabel } from "../views/reviews";
import { parseGrantDuration, requireReason } from "./approval-flags";
import { waitForDecision } from "./review-wait";
import { commonOptions } from "./shared";

interface RequestOptions {
  role: string;
  for: number;
  reason?: string;
  wait?: boolean;
}

/** The design's re-read interval for a pending review. */
const POLL_MS = 2_000;
/** Ctrl-C while waiting: the request stays pending; the usual exit code of an interrupt. */
const EXIT_INTERRUPTED = 130;

export function registerRequest(program: Command, ctx: CliContext): void {
  program
    .command("request")
    .description("ask for time-bound elevation on a connection (an access grant), for approval")
    .argument("<connection>", "connection name, e.g. demo")
    .requiredOption("--role <name>", "the elevation role to ask for, e.g. dba-write")
    .requiredOption(
      "--for <duration>",
      "how long it lasts once approved: 30m, 1h, 1h30m, 2d (at most the role's max_duration)",
      parseGrantDuration,
    )
    .option("--reason <text>", "why you need it (required): the approvers see it")
    .option("--wait", "wait until the request is decided: exit 0 approved, 4 otherwise")
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
Prints the review id and who must approve. The grant starts when approved and ends by
itself; see yours with: airlock grants list. With --wait the review is read every 2s
until it is decided. Exit codes with --wait: 0 approved, ${EXIT_NOT_APPROVED} rejected, expired or
cancelled, ${EXIT_INTERRUPTED} stopped with Ctrl-C (the request stays pending).

Examples:
  airlock request demo --role dba-write --for 1h --reason "fix ticket 4711"
  airlock request demo --role dba-write --for 30m --reason "hotfix" --wait`,
    )
    .action((connection: string, options: RequestOptions, cmd: Command) =>
      runRequest(ctx, cmd, connection, options),
    );
}

async function runRequest(
  ctx: CliContext,
  cmd: Command,
  connection: string,
  options: RequestOptions,
): Promise<void> {
  const reason = requireReason(options.reason, "to request a grant");
  const json = commonOptions(cmd).output === "json";
  const { api } = connect(ctx, commonOptions(cmd).profile);
  const review = await api.requestGrant({
    connection,
    role: options.role,
    durationSeconds: options.for,
    reason,
  });
  if (options.wait !== true) {
    ctx.term.out(json ? renderJson(review) : requestedLines(review, ctx.now()));
    return;
  }
  if (!json) ctx.term.out(requestedLines(review, ctx.now()));

  const final = await waitWithProgress(ctx, api, review);
  if (json) ctx.term.out(renderJson(final ?? review));
  if (final === undefined) {
    ctx.term.err(
      `stopped waiting; the request stays pending (see: airlock reviews show ${review.id})\n`,
    );
    throw new ReportedError(EXIT_INTERRUPTED);
  }
  if (final.status === "approved") {
    if (!json) ctx.term.out(approvedLine(final));
    return;
  }
  ctx.term.err(`${sanitize(`request ${final.id} ${outcomeLabel(final, ctx.now())}`)}\n`);
  throw new ReportedError(EXIT_NOT_APPROVED);
}

/** `requested role dba-write on demo for 1h: review rv-…`, then who must approve. */
export function requestedLines(review: Review, now: Date): string {
  const span =
    review.grantDurationSeconds == null ? "" : ` for ${shortDuration(review.grantDurationSeconds)}`;
  const asked = `requested role ${review.grantRole ?? "?"} on ${review.connection}${span}`;
  const expires = formatRelative(review.expiresAt, now);
  return (
    `${sanitize(`${asked}: review ${review.id}`)}\n` +
    `${sanitize(`${needsLabel(review)} (the request expires ${expires})`)}; ` +
    `an approver runs: airlock reviews approve ${sanitize(review.id)}\n`
  );
}

/** `approved by bob, carol: you hold dba-write on demo for 1h (grant gr-…)`. */
export function approvedLine(review: Review): string {
  const approvers = review.votes.filter((v) => v.verdict === "approve").map((v) => v.voter.name);
  const by = approvers.length > 0 ? ` by ${approvers.join(", ")}` : "";
  const span =
    review.grantDurationSeconds == null ? "" : ` for ${shortDuration(review.grantDurationSeconds)}`;
  const grant = review.grantId ? ` (grant ${review.grantId})` : "";
  return `${sanitize(`approved${by}: you hold ${review.grantRole ?? "the role"} on ${review.connection}${span}${grant}`)}\n`;
}

async function waitWithProgress(
  ctx: CliContext,
  api: AirlockApi,
  review: Review,
): Promise<Review | undefined> {
  if (review.status !== "pending") return review;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const unsubscribe = ctx.signals.onStop(() => stop());
  const spinner = ctx.term.stderrIsTTY
    ? new Spinner({
        write: (text) => ctx.term.err(text),
        now: () => Date.now(),
        width: ctx.term.columns,
      })
    : undefined;
  const waiting = `waiting for review ${review.id} (${needsLabel(review)})`;
  if (spinner !== undefined) spinner.start(waiting);
  else ctx.term.err(`${sanitize(waiting)}; Ctrl-C stops waiting\n`);
  try {
    return await waitForDecision(api, review.id, {
      intervalMs: POLL_MS,
      stop: stopped,
    });
  } finally {
    spinner?.stop();
    unsubscribe();
  }
}
