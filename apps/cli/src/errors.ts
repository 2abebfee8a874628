/**
 * The few error kinds the CLI reports. Each carries a message written for the person at the
 * terminal (what went wrong and what to do next) and the exit code it ends the process with.
 * Errors that are not `CliError`s are bugs: they are reported with a hint to set AIRLOCK_DEBUG.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The user called a command wrongly (conflicting or missing flags): exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** The local config file is unreadable, corrupt or cannot be written. */
export class ConfigError extends CliError {}

/** No API key is available for the selected profile. */
export class NotLoggedInError extends CliError {}

/**
 * The command has already printed why it failed (e.g. a Postgres error with DETAIL and HINT
 * lines); only the exit code is left to apply.
 */
export class ReportedError extends CliError {
  constructor(exitCode = 1) {
    super("(already reported)", exitCode);
  }
}

/**
 * Exit codes beyond 0 success, 1 error and 2 usage error (all listed in the root help).
 * `airlock policy test` has its own: 3 deny, 4 review (commands/policy.ts).
 */
/** `airlock request --wait`: the request was rejected, expired or cancelled. */
export const EXIT_NOT_APPROVED = 4;
/** `airlock exec --no-wait`: the command is held for review; its id is on stdout. */
export const EXIT_HELD_FOR_REVIEW = 5;
