import { type Command, Option } from "commander";
import { type CliContext, connect } from "../context";
import { GRANT_STATUSES, type GrantQuery } from "../http/approval-schemas";
import { outputOption } from "../output/format-option";
import { renderJson } from "../output/json";
import { grantTable, revokeLine } from "../views/grants";
import { parseGrantId, requireReason } from "./approval-flags";
import { commonOptions, emit } from "./shared";

interface ListOptions {
  all?: boolean;
  status?: string;
}

export function registerGrants(program: Command, ctx: CliContext): void {
  const grants = program
    .command("grants")
    .description("list and revoke access grants (time-bound elevation; ask with airlock request)");

  grants
    .command("list")
    .description("list your grants (--all: everyone's, for admins and auditors)")
    .option("--all", "every user's grants")
    .addOption(
      new Option("--status <status>", "only grants in this status").choices(GRANT_STATUSES),
    )
    .addOption(outputOption())
    .action(async (options: ListOptions, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const query: GrantQuery = {
        scope: options.all === true ? "all" : "mine",
        status: options.status,
      };
      const items = await api.listGrants(query);
      emit(ctx, cmd, { items }, () =>
        items.length === 0 ? emptyListLine(query) : grantTable(items, ctx.now()),
      );
    });

  grants
    .command("revoke")
    .description("end a grant before it expires (its holder, an approver of the role, or an admin)")
    .argument("<id>", "grant id, e.g. gr-7k2m9x4qpa", parseGrantId)
    .option("--reason <text>", "why (required): the holder sees it")
    .addOption(outputOption())
    .action(async (id: string, options: { reason?: string }, cmd: Command) => {
      const reason = requireReason(options.reason, "to revoke a grant");
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const answer = await api.revokeGrant(id, { reason });
      ctx.term.out(
        commonOptions(cmd).output === "json" ? renderJson(answer) : revokeLine(id, answer),
      );
    });
}

function emptyListLine(query: GrantQuery): string {
  if (query.status !== undefined) return "No grants match.\n";
  return query.scope === "all"
    ? "No grants yet.\n"
    : 'You hold no grants. Ask for one with: airlock request <connection> --role <role> --for 1h --reason "…"\n';
}
