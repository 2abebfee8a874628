import { CommanderError } from "commander";
import type { CliEnv } from "./config/env";
import { CliError, ReportedError } from "./errors";
import { ApiError, LoginRefusedError } from "./http/errors";
import type { Terminal } from "./io/terminal";
import { sanitize } from "./output/text";

/**
 * Turns anything a command threw into one line on stderr and an exit code:
 * 0 help/version, 1 errors, 2 usage errors. Stacks only with AIRLOCK_DEBUG=1, or for bugs.
 */
export function reportError(
  error: unknown,
  term: Pick<Terminal, "err">,
  env: Pick<CliEnv, "debug" | "apiKey">,
): number {
  if (error instanceof CommanderError) {
    // commander has already printed its message (or the help text).
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
    if (error.code === "commander.help") return error.exitCode === 0 ? 0 : 2;
    return 2;
  }
  if (error instanceof ReportedError) return error.exitCode;
  if (error instanceof CliError) {
    term.err(`error: ${sanitize(messageFor(error, env))}\n`);
    if (error.exitCode === 2) term.err("(add --help for usage)\n");
    if (env.debug && error.stack !== undefined) term.err(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  term.err(`error: ${sanitize(message)}\n`);
  if (env.debug) {
    if (error instanceof Error && error.stack !== undefined) term.err(`${error.stack}\n`);
  } else {
    term.err(
      "(this looks like a bug in the airlock CLI; set AIRLOCK_DEBUG=1 to see the stack trace)\n",
    );
  }
  return 1;
}

function messageFor(error: CliError, env: Pick<CliEnv, "apiKey">): string {
  if (error instanceof LoginRefusedError) {
    return `your login was refused: ${error.serverMessage}; log in again: airlock login`;
  }
  if (error instanceof ApiError && error.status === 401) {
    const fix =
      env.apiKey !== undefined
        ? "check AIRLOCK_API_KEY, which overrides the stored key"
        : "log in again: airlock login --api-key -";
    return `your API key was refused: ${error.serverMessage}; ${fix}`;
  }
  if (error instanceof ApiError && error.status === 403) {
    return `permission denied: ${error.message}`;
  }
  return error.message;
}
