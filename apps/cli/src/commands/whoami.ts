import type { Command } from "commander";
import { type CliContext, connect } from "../context";
import { outputOption } from "../output/format-option";
import { whoamiDetails } from "../views/identity";
import { commonOptions, emit } from "./shared";

export function registerWhoami(program: Command, ctx: CliContext): void {
  program
    .command("whoami")
    .description(
      "show who the control plane thinks you are: user, identity type, role, groups, how you logged in",
    )
    .addOption(outputOption())
    .action(async (_options: unknown, cmd: Command) => {
      const { api, target } = connect(ctx, commonOptions(cmd).profile);
      const me = await api.whoami();
      emit(ctx, cmd, me, () => whoamiDetails(me, target, ctx.now()));
    });
}
