import { type Command, Option } from "commander";
import { type CliContext, connect } from "../context";
import { UsageError } from "../errors";
import { REVIEW_STATUSES, type ReviewQuery } from "../http/approval-schemas";
import { outputOption } from "../output/format-option";
import { approveLine, rejectLine, reviewDetails, reviewTable } from "../views/reviews";
import { optionalReason, parseReviewId, requireReason } from "./approval-flags";
import { commonOptions, emit } from "./shared";

interface ListOptions {
  mine?: boolean;
  all?: boolean;
  status?: string;
}

interface ApproveOptions {
  reason?: string;
  breakGlass?: boolean;
}

export function registerReviews(program: Command, ctx: CliContext): void {
  const reviews = program
    .command("reviews")
    .description("approve or reject held commands and access requests (just-in-time approvals)");

  reviews
    .command("list")
    .description("list reviews: by default the pending ones you may approve")
    .addOption(new Option("--mine", "the reviews you asked for instead").conflicts("all"))
    .addOption(new Option("--all", "every review (admins and auditors)").conflicts("mine"))
    .addOption(
      new Option("--status <status>", "only reviews in this status").choices(REVIEW_STATUSES),
    )
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
--output json prints {items}: each review with its votes.

Examples:
  airlock reviews list
  airlock reviews list --mine --status pending`,
    )
    .action(async (options: ListOptions, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const query: ReviewQuery = { scope: listScope(options), status: options.status };
      const items = await api.listReviews(query);
      emit(ctx, cmd, { items }, () =>
        items.length === 0 ? emptyListLine(query) : reviewTable(items, ctx.now()),
      );
    });

  reviews
    .command("show")
    .description("show one review: the SQL in full, its votes and its audit trail")
    .argument("<id>", "review id, e.g. rv-7k2m9x4qpa", parseReviewId)
    .addOption(outputOption())
    .action(async (id: string, _options: unknown, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const review = await api.getReview(id);
      emit(ctx, cmd, review, () => reviewDetails(review, ctx.now()));
    });

  reviews
    .command("approve")
    .description("approve a review; once enough people have, the command runs or the grant starts")
    .argument("<id>", "review id, e.g. rv-7k2m9x4qpa", parseReviewId)
    .option("--reason <text>", "why you approve (optional; required with --break-glass)")
    .option(
      "--break-glass",
      "approve alone as a member of the rule's break_glass groups (needs --reason)",
    )
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
Nobody approves their own request. Read the SQL first: airlock reviews show <id>.

Examples:
  airlock reviews approve rv-7k2m9x4qpa
  airlock reviews approve rv-7k2m9x4qpa --break-glass --reason "incident 4711, DBA unreachable"`,
    )
    .action(async (id: string, options: ApproveOptions, cmd: Command) => {
      const body = approveBody(options);
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const review = await api.approveReview(id, body);
      emit(ctx, cmd, review, () => approveLine(review));
    });

  reviews
    .command("reject")
    .description("reject a review: final, the command does not run (or the grant is refused)")
    .argument("<id>", "review id, e.g. rv-7k2m9x4qpa", parseReviewId)
    .option("--reason <text>", "why (required): the requester sees it")
    .addOption(outputOption())
    .action(async (id: string, options: { reason?: string }, cmd: Command) => {
      const reason = requireReason(options.reason, "to reject a review");
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const review = await api.rejectReview(id, { reason });
      emit(ctx, cmd, review, () => rejectLine(review));
    });
}

/** The approve body, with the reason --break-glass needs checked before anything is sent. */
export function approveBody(options: ApproveOptions): { reason?: string; breakGlass?: boolean } {
  if (options.breakGlass === true) {
    return { reason: requireReason(options.reason, "to break glass"), breakGlass: true };
  }
  const reason = optionalReason(options.reason);
  return reason === undefined ? {} : { reason };
}

function listScope(options: ListOptions): ReviewQuery["scope"] {
  if (options.mine === true && options.all === true) {
    throw new UsageError("give either --mine or --all, not both");
  }
  if (options.mine === true) return "mine";
  if (options.all === true) return "all";
  return "to-approve";
}

function emptyListLine(query: ReviewQuery): string {
  if (query.status !== undefined) return "No reviews match.\n";
  switch (query.scope) {
    case "mine":
      return "You have asked for no reviews.\n";
    case "all":
      return "No reviews yet.\n";
    default:
      return "Nothing waits for your approval.\n";
  }
}
