// Cleanup that always runs: on normal exit, on error and on Ctrl-C / SIGTERM.
// Tasks run last-registered first; each is bounded so a stuck one cannot hang the exit.

const tasks = [];
const foreground = new Set();
let running;
let interrupted = false;

/** Registers `fn` to run at cleanup; returns a function that unregisters it. */
export function onCleanup(label, fn) {
  const task = { label, fn };
  tasks.push(task);
  return () => {
    const i = tasks.indexOf(task);
    if (i >= 0) tasks.splice(i, 1);
  };
}

/** Short-lived children (pgbench, psql) that must die first when we are interrupted. */
export function trackForeground(child) {
  if (interrupted) {
    child.kill("SIGKILL");
    return;
  }
  foreground.add(child);
  child.once("exit", () => foreground.delete(child));
}

export function wasInterrupted() {
  return interrupted;
}

/** Throws when we are stopping, so loops end instead of starting new work. */
export function checkInterrupted() {
  if (interrupted) throw new Error("interrupted");
}

export function runCleanup() {
  running ??= (async () => {
    for (const child of foreground) child.kill("SIGKILL");
    while (tasks.length > 0) {
      const { label, fn } = tasks.pop();
      try {
        await Promise.race([
          fn(),
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error("timed out after 30 s")), 30_000).unref(),
          ),
        ]);
      } catch (err) {
        process.stderr.write(`[bench] cleanup "${label}" failed: ${err?.message ?? err}\n`);
      }
    }
  })();
  return running;
}

export function installSignalHandlers() {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      process.stderr.write(`\n[bench] ${signal}: stopping and cleaning up…\n`);
      void runCleanup().finally(() => process.exit(130));
    });
  }
}
