/** Ctrl-C and SIGTERM, for long-running commands (`airlock connect`). */
export interface StopSignals {
  /**
   * Calls `handler` once, on the first SIGINT or SIGTERM, and returns a function that
   * unsubscribes. After the first signal the process's default handling is back, so a second
   * Ctrl-C ends a shutdown that hangs.
   */
  onStop(handler: (signal: NodeJS.Signals) => void): () => void;
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM"];

export function processSignals(): StopSignals {
  return {
    onStop(handler) {
      const listener = (signal: NodeJS.Signals): void => {
        unsubscribe();
        handler(signal);
      };
      const unsubscribe = (): void => {
        for (const signal of STOP_SIGNALS) process.off(signal, listener);
      };
      for (const signal of STOP_SIGNALS) process.on(signal, listener);
      return unsubscribe;
    },
  };
}
