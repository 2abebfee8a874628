import { readFileSync } from "node:fs";
import { CloseCode } from "@airlock/proto";
import { type Command, Option } from "commander";
import pg from "pg";
import type { CliContext } from "../context";
import { CliError, ReportedError, UsageError } from "../errors";
import { runSql } from "../exec/run-sql";
import type { SessionEnd } from "../gateway/gateway-session";
import { LocalGateway } from "../gateway/local-gateway";
import { formatNotice, formatServerError } from "../output/sql-messages";
import { renderResults, type ResultFormat, type SqlResult } from "../output/sql-results";
import { preflight } from "./gateway-preflight";
import { commonOptions } from "./shared";

interface ExecOptions {
  command?: string;
  file?: string;
  output: ResultFormat;
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

Examples:
  airlock exec pg-prod -c "select id, email from users limit 5"
  airlock exec pg-prod -f report.sql --output csv > report.csv
  echo "select now()" | airlock exec pg-prod --output json`,
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
  const sql = await readSql(ctx, options);
  const { target, userName, connection, protocol } = await preflight(
    ctx,
    commonOptions(cmd).profile,
    connectionArg,
  );

  let sessionEnd: SessionEnd | undefined;
  let onEnd: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (onEnd = resolve));
  const gateway = new LocalGateway({
    grpc: target.grpc,
    apiKey: target.apiKey,
    apiKeyFromEnv: target.apiKeyFrom === "AIRLOCK_API_KEY",
    userAgent: `airlock-cli/${ctx.version}`,
    spec: { connection, protocol, clientVersion: ctx.version },
    onEnded: (end) => {
      sessionEnd ??= end;
      onEnd();
    },
  });

  let results: SqlResult[];
  try {
    const port = await gateway.start(LOCAL_HOST, 0);
    results = await runSql({
      host: LOCAL_HOST,
      port,
      user: userName,
      database: connection,
      sql,
      onNotice: (notice) => ctx.term.err(formatNotice(notice)),
    });
  } catch (error) {
    if (error instanceof pg.DatabaseError) {
      ctx.term.err(formatServerError(error));
      throw new ReportedError(1);
    }
    if (error instanceof CliError) throw error;
    // The connection broke: the gateway usually knows why (a gRPC failure or a close reason).
    await Promise.race([ended, delay(2_000)]);
    throw sessionFailure(sessionEnd, error);
  } finally {
    await gateway.stop();
  }
  ctx.term.out(renderResults(results, options.output));
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
