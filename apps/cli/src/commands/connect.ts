import { CloseCode } from "@airlock/proto";
import { type Command, InvalidArgumentError } from "commander";
import { isLoopbackHost } from "../config/grpc-target";
import type { CliContext } from "../context";
import type { SessionEnd } from "../gateway/gateway-session";
import { LocalGateway } from "../gateway/local-gateway";
import { psqlCommand } from "../output/psql-command";
import { sanitize } from "../output/text";
import { optionalReason } from "./approval-flags";
import { preflight } from "./gateway-preflight";
import { commonOptions, quoted } from "./shared";

/** DESIGN.md §6: the CLI's local Postgres port. */
export const DEFAULT_LOCAL_PORT = 5433;
export const DEFAULT_LOCAL_HOST = "127.0.0.1";

interface ConnectOptions {
  port: number;
  host: string;
  reason?: string;
}

export function registerConnect(program: Command, ctx: CliContext): void {
  program
    .command("connect")
    .description("open a local port that carries psql (or any Postgres client) through Airlock")
    .argument("<connection>", "connection name, e.g. pg-prod")
    .option(
      "-p, --port <port>",
      "local port to listen on; 0 picks a free one",
      parseLocalPort,
      DEFAULT_LOCAL_PORT,
    )
    .option(
      "--host <address>",
      "local address to listen on; anyone who can reach it acts as you",
      DEFAULT_LOCAL_HOST,
    )
    .option(
      "--reason <text>",
      "why you connect: the justification review rules may require, sent with every session",
    )
    .addHelpText(
      "after",
      `
Every client connection to the local port becomes one audited session on the control plane
(gRPC, authenticated with your login or API key). No database password is needed or ever
shown: the control plane completes the login with the connection's own credentials, and your
Airlock identity comes from your login or API key. Sessions are logged on stderr; Ctrl-C stops.

Examples:
  airlock connect pg-prod
  airlock connect pg-prod --port 6543
  psql "host=127.0.0.1 port=5433 user=<you> dbname=pg-prod sslmode=disable"`,
    )
    .action((connection: string, options: ConnectOptions, cmd: Command) =>
      runConnect(ctx, cmd, connection, options),
    );
}

async function runConnect(
  ctx: CliContext,
  cmd: Command,
  connectionArg: string,
  options: ConnectOptions,
): Promise<void> {
  const justification = optionalReason(options.reason);
  const { target, credentials, userName, connection, protocol } = await preflight(
    ctx,
    commonOptions(cmd).profile,
    connectionArg,
  );
  const gateway = new LocalGateway({
    grpc: target.grpc,
    bearer: () => credentials.bearer(),
    apiKeyFromEnv: target.credentialFrom === "AIRLOCK_API_KEY",
    login: credentials.kind === "login",
    userAgent: `airlock-cli/${ctx.version}`,
    spec: { connection, protocol, clientVersion: ctx.version, justification },
    onOpened: (id) => ctx.term.err(`session ${sanitize(id)} opened\n`),
    onEnded: (end) => {
      const line = sessionEndLine(end);
      if (line !== undefined) ctx.term.err(`${sanitize(line)}\n`);
    },
  });

  // Subscribe before listening, so a signal in between is not lost.
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const unsubscribe = ctx.signals.onStop(() => stop());
  try {
    const port = await gateway.start(options.host, options.port);
    const where = `${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
    ctx.term.out(
      `Listening on ${where} for connection ${quoted(connection)} (${protocol}). Connect with:\n` +
        `  ${psqlCommand({ host: clientHost(options.host), port, user: userName, dbname: connection })}\n`,
    );
    if (!isLoopbackHost(options.host)) {
      ctx.term.err(
        `warning: ${options.host} is reachable from other machines, and everyone who connects acts as ${userName}; ` +
          `use --host ${DEFAULT_LOCAL_HOST} unless that is what you want\n`,
      );
    }
    ctx.term.err(
      `No password needed: your Airlock identity (${userName}) comes from your ${credentials.kind === "login" ? "login" : "API key"}. Ctrl-C stops.\n`,
    );
    await stopped;
  } finally {
    unsubscribe();
    await gateway.stop();
  }
  ctx.term.out("stopped\n");
}

/**
 * The log line for a finished local connection: `session <id> closed: <reason>`, or the
 * failure of a connection that never became a session. A connection the gateway ended
 * without a session and without an error (a cancel request) logs nothing.
 */
export function sessionEndLine(end: SessionEnd): string | undefined {
  if (end.sessionId !== undefined) return `session ${end.sessionId} closed: ${end.reason}`;
  if (end.failure !== undefined) return `error: ${end.failure}`;
  const normal =
    end.closeCode === undefined ||
    end.closeCode === CloseCode.CLOSE_CODE_UNSPECIFIED ||
    end.closeCode === CloseCode.CLOSE_CODE_NORMAL;
  return normal ? undefined : `error: the control plane refused the connection: ${end.reason}`;
}

/** Where a client on this machine connects to reach a listener on `host`. */
function clientHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::" || host === "[::]") return "::1";
  return host;
}

export function parseLocalPort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError("expected an integer from 0 to 65535.");
  }
  return port;
}
