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
