import type { Logger } from "./logger";

/**
 * First SIGTERM/SIGINT: drain (the caller's `onFirst`). A second one while
 * draining: exit at once with code 1.
 */
export function onShutdownSignals(log: Logger, onFirst: (signal: NodeJS.Signals) => void): void {
  let received: NodeJS.Signals | undefined;
  const handle = (signal: NodeJS.Signals): void => {
    if (received) {
      log.warn({ signal, first: received }, "second signal while draining; exiting now");
      process.exit(1);
    }
    received = signal;
    onFirst(signal);
  };
  process.on("SIGTERM", handle);
  process.on("SIGINT", handle);
}
