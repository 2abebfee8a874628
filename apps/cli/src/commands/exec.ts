import { readFileSync } from "node:fs";
import { CloseCode } from "@airlock/proto";
import { type Command, Option } from "commander";
import pg from "pg";
import { type CliContext, connect } from "../context";
import { CliError, EXIT_HELD_FOR_REVIEW, ReportedError, UsageError } from "../errors";
import { type HeldNotice, heldNotice } from "../exec/held-notice";
import { NoticePrinter } from "../exec/notice-printer";
import { runSql } from "../exec/run-sql";
import type { SessionEnd } from "../gateway/gateway-session";
import { LocalGateway } from "../gateway/local-gateway";
import type { Review } from "../http/approval-schemas";
import { formatServerError } from "../output/sql-messages";
import { renderResults, type ResultFormat, type SqlResult } from "../output/sql-results";
import { sanitize } from "../output/text";
import { optionalReason, parseReviewId } from "./approval-flags";
import { checkReviewConnection, checkReviewFlags, runnableSql } from "./exec-review";
import { preflight } from "./gateway-preflight";
import { commonOptions } from "./shared";

interface ExecOptions {
  command?: string;
  file?: string;
  output: ResultFormat;
  reason?: string;
  review?: string;
  /** false with --no-wait. */
  wait: boolean;
}

/** Why `exec --no-wait` ended its session early: the command is held for this review. */
class HeldForReview extends Error {
  constructor(readonly held: HeldNotice) {
    super(`held for review ${held.reviewId}`);
  }
}

const LOCAL_HOST = "127.0.0.1";

export function registerExec(program: Command, ctx: CliContext): void {
  program
    .command("exec")
    .description("run SQL through Airlock and print the results (for scripts and agents)")
    .argument("<connection>", "connection name, e.g. pg-prod")
    .option("-c, --command <sql>", "the SQL to run; several statements separated by ; are allowed")
    .option("-f, --file <path>", "read the SQL from a file")
    .addOption(
      new Option("-o, --output <format>", "table (psql-like), json (one document) or csv")
        .choices(["table", "json", "csv"])
        .default("table"),
    )
    .option("--reason <text>", "why you run it: the justification review rules may require")
    .option(
      "--no-wait",
      `if the command is held for review, print the review id and exit ${EXIT_HELD_FOR_REVIEW} instead of waiting`,
    )
    .option(
      "--review <id>",
      "run the command an approved review holds (exactly its text, once)",
      parseReviewId,
    )
    .addHelpText(
      "after",
      `
Without -c or -f the SQL is read from stdin. It runs as one simple-protocol query (like
psql -c), through a local listener on a free port, as one audited session. Results go to
stdout; NOTICEs go to stderr. On an error the server's message, SQLSTATE, DETAIL and HINT
go to stderr and the exit code is 1.

--output json prints one array with {command, commandTag, rowCount, fields, rows} per
statement, rows as objects. csv prints a header and the rows of each statement that
returns rows (RFC 4180 quoting, NULL as an empty field, "" for the empty string), with a
blank line between statements.

When a policy holds the command for review, exec waits for the decision (a spinner on a
terminal, else the notice once on stderr); approved, it runs and prints as usual; rejected
or expired, it fails like any SQL error. With --no-wait it prints the review id on stdout
and exits ${EXIT_HELD_FOR_REVIEW} at once; after approval, run it with --review <id>.

Exit codes: 0 success, 1 error (SQL errors included), 2 usage error, ${EXIT_HELD_FOR_REVIEW} held for review
(--no-wait).

Examples:
  airlock exec pg-prod -c "select id, email from users limit 5"
  airlock exec pg-prod -f report.sql --output csv > report.csv
  echo "select now()" | airlock exec pg-prod --output json
  airlock exec pg-prod --no-wait --reason "ticket 4711" -c "alter table users add column x int"
  airlock exec pg-prod --review rv-7k2m9x4qpa`,
    )
    .action((connection: string, options: ExecOptions, cmd: Command) =>
      runExec(ctx, cmd, connection, options),
    );
}

async function runExec(
  ctx: CliContext,
  cmd: Command,
  connectionArg: string,
  options: ExecOptions,
): Promise<void> {
  const profile = commonOptions(cmd).profile;
  const justification = optionalReason(options.reason);
  let review: Review | undefined;
  let sql: string;
  if (options.review !== undefined) {
    checkReviewFlags(options);
    review = await connect(ctx, profile).api.getReview(options.review);
    sql = runnableSql(review, ctx.now());
  } else {
    sql = await readSql(ctx, options);
  }
  const { target, credentials, userName, connection, protocol } = await preflight(
    ctx,
    profile,
    connectionArg,
  );
  if (review !== undefined) checkReviewConnection(review, connection, connectionArg);

  let sessionEnd: SessionEnd | undefined;
  let onEnd: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (onEnd = resolve));
  const gateway = new LocalGateway({
    grpc: target.grpc,
    bearer: () => credentials.bearer(),
    apiKeyFromEnv: target.credentialFrom === "AIRLOCK_API_KEY",
    login: credentials.kind === "login",
    userAgent: `airlock-cli/${ctx.version}`,
    spec: {
      connection,
      protocol,
      clientVersion: ctx.version,
      justification,
      reviewId: review?.id,
    },
    onEnded: (end) => {
      sessionEnd ??= end;
      onEnd();
    },
  });

  const notices = new NoticePrinter(ctx.term);
  const held = new AbortController();
  let results: SqlResult[];
  try {
    const port = await gateway.start(LOCAL_HOST, 0);
    results = await runSql({
      host: LOCAL_HOST,
      port,
      user: userName,
      database: connection,
      sql,
      signal: held.signal,
      onNotice: (notice) => {
        const hold = options.wait ? undefined : heldNotice(notice);
        if (hold !== undefined) held.abort(new HeldForReview(hold));
        else notices.notice(notice);
      },
    });
  } catch (error) {
    notices.stop();
    if (error instanceof HeldForReview) {
      reportHeld(ctx, connection, error.held);
      throw new ReportedError(EXIT_HELD_FOR_REVIEW);
    }
    if (error instanceof pg.DatabaseError) {
      ctx.term.err(formatServerError(error));
      throw new ReportedError(1);
    }
    if (error instanceof CliError) throw error;
    // The connection broke: the gateway usually knows why (a gRPC failure or a close reason).
    await Promise.race([ended, delay(2_000)]);
    throw sessionFailure(sessionEnd, error);
  } finally {
    notices.stop();
    await gateway.stop();
  }
  ctx.term.out(renderResults(results, options.output));
}

/** `--no-wait`: the review id alone on stdout (for scripts), and what to do next on stderr. */
export function reportHeld(ctx: CliContext, connection: string, held: HeldNotice): void {
  ctx.term.out(`${held.reviewId}\n`);
  const needs = held.needs === undefined ? "" : ` (${held.needs})`;
  ctx.term.err(
    `${sanitize(`held for review ${held.reviewId}${needs}; run it after approval with: airlock exec ${connection} --review ${held.reviewId}`)}\n`,
  );
}

async function readSql(ctx: CliContext, options: ExecOptions): Promise<string> {
  if (options.command !== undefined && options.file !== undefined) {
    throw new UsageError("give the SQL with either -c or -f, not both");
  }
  let sql: string;
  if (options.command !== undefined) {
    sql = options.command;
  } else if (options.file !== undefined) {
    sql = readSqlFile(options.file);
  } else if (ctx.term.stdinIsTTY) {
    throw new UsageError('give the SQL with -c "…", -f <file>, or on stdin');
  } else {
    sql = await ctx.term.readInput();
  }
  if (sql.trim() === "") {
    throw new UsageError(
      options.command !== undefined
        ? "-c is empty"
        : options.file !== undefined
          ? `${options.file} holds no SQL`
          : "no SQL on stdin",
    );
  }
  return sql;
}

function readSqlFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new CliError(`cannot read the SQL file ${path} (${code})`);
  }
}

function sessionFailure(end: SessionEnd | undefined, error: unknown): CliError {
  if (end?.failure !== undefined) return new CliError(end.failure);
  const normal =
    end?.closeCode === undefined ||
    end.closeCode === CloseCode.CLOSE_CODE_UNSPECIFIED ||
    end.closeCode === CloseCode.CLOSE_CODE_NORMAL;
  if (end !== undefined && !normal) {
    return new CliError(`the control plane closed the session: ${end.reason}`);
  }
  const message = error instanceof Error ? error.message : String(error);
  const reason = end !== undefined ? ` (${end.reason})` : "";
  return new CliError(`the session through the control plane failed: ${message}${reason}`);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
