// Nest's shutdown hooks drain on the first SIGTERM/SIGINT and exit 0. This adds
// the two escapes: a second signal, or a drain longer than FORCE_EXIT_MS, exits 1.
import type { Logger } from "pino";

export const FORCE_EXIT_MS = 10_000;
export const SHUTDOWN_SIGNALS = ["SIGTERM", "SIGINT"] as const;

export function installSignalEscapes(logger: Logger): void {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    received += 1;
    if (received === 1) {
      logger.info({ signal }, "shutting down: draining");
      setTimeout(() => {
        logger.error({ timeoutMs: FORCE_EXIT_MS }, "shutdown took too long; forcing exit");
        process.exit(1);
      }, FORCE_EXIT_MS).unref();
      return;
    }
    logger.warn({ signal }, "second signal; exiting now");
    process.exit(1);
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
}
