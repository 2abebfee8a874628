import type { CliContext } from "./context";
import { buildProgram } from "./program";
import { reportError } from "./report";

/** Runs one command line (`argv` without node and script) and returns the exit code. */
export async function runCli(ctx: CliContext, argv: readonly string[]): Promise<number> {
  try {
    await buildProgram(ctx).parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    return reportError(error, ctx.term, ctx.env);
  }
}
