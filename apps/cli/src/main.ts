import { runCli } from "./cli";
import { processContext } from "./context";
import { processTerminal } from "./io/terminal";
import { reportError } from "./report";

/** Entry point of the `airlock` command (bin/airlock.js requires this file). */
async function main(): Promise<void> {
  // `airlock … | head` closes stdout early; that is not an error worth reporting.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  const term = processTerminal();
  try {
    process.exitCode = await runCli(processContext(term), process.argv.slice(2));
  } catch (error) {
    // Only reachable if the context itself cannot be built (e.g. package.json is missing).
    process.exitCode = reportError(error, term, { debug: true, apiKey: undefined });
  }
}

void main();
