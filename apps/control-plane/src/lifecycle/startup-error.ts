/**
 * A reason the process must not start (inconsistent store, unusable setting).
 * main.ts prints the message on stderr and exits 1; it must name the fix.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}
