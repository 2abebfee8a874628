import { type Command, InvalidArgumentError } from "commander";
import { type CliContext, connect } from "../context";
import type { AirlockApi } from "../http/airlock-api";
import type { Session, SessionQuery } from "../http/schemas";
import { outputOption } from "../output/format-option";
import { sessionDetails, sessionTable } from "../views/sessions";
import { registerSessionReplay } from "./sessions-replay";
import { commonOptions, emit } from "./shared";
import { parseSince } from "./time-flags";

interface ListOptions {
  user?: string;
  connection?: string;
  status?: string;
  since?: string;
  until?: string;
  limit?: number;
  all?: boolean;
}

interface ShowOptions {
  full?: boolean;
  rows?: number;
}

/** Upper bound on pages for --all, so a server that repeats a cursor cannot loop forever. */
const MAX_PAGES = 10_000;

export function registerSessions(program: Command, ctx: CliContext): void {
  const sessions = program
    .command("sessions")
    .description("list and inspect recorded sessions and the commands they ran");

  sessions
    .command("list")
    .description("list sessions, newest first (admins and auditors see all, users their own)")
    .option("--user <name>", "only this user's sessions")
    .option("--connection <name>", "only sessions on this connection")
    .option("--status <status>", "only sessions in this status: opening, active, closed, failed")
    .option(
      "--since <when>",
      "only sessions started since: a duration (30m, 1h, 2d) or an ISO time",
    )
    .option("--until <when>", "only sessions started before: a duration ago or an ISO time")
    .option("--limit <n>", "sessions per page (default: the server's)", parseLimit)
    .option("--all", "follow the pages until the last one")
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
--output json prints {items, nextCursor}; nextCursor is null on the last page (and with --all).

Examples:
  airlock sessions list --since 1h
  airlock sessions list --connection pg-prod --status failed --all`,
    )
    .action(async (options: ListOptions, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const now = ctx.now();
      const query: SessionQuery = {
        user: options.user,
        connection: options.connection,
        status: options.status,
        from: options.since === undefined ? undefined : parseSince(options.since, now),
        to: options.until === undefined ? undefined : parseSince(options.until, now, "--until"),
        limit: options.limit,
      };
      const { items, nextCursor } = await fetchSessions(api, query, options.all === true);
      emit(ctx, cmd, { items, nextCursor }, () => {
        if (items.length === 0) return "No sessions match.\n";
        return sessionTable(items, now);
      });
      if (nextCursor !== null && commonOptions(cmd).output !== "json") {
        ctx.term.err("(more sessions: add --all, or narrow with --since, --user, --connection)\n");
      }
    });

  sessions
    .command("show")
    .description("show one session and every command it ran, in order")
    .argument("<id>", "session id (see: airlock sessions list)")
    .option("--full", "print each SQL in full instead of cutting it to the terminal's width")
    .option(
      "--rows <n>",
      "recorded (masked) result rows to show under each command; 0 hides them",
      (value: string) => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0 || n > 10_000) {
          throw new InvalidArgumentError("must be a whole number from 0 to 10000");
        }
        return n;
      },
      3,
    )
    .addOption(outputOption())
    .action(async (id: string, options: ShowOptions, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const session = await api.getSession(id);
      emit(ctx, cmd, session, () =>
        sessionDetails(session, ctx.now(), {
          width: ctx.term.columns,
          full: options.full === true,
          rows: options.rows ?? 3,
        }),
      );
    });

  registerSessionReplay(sessions, ctx);
}

async function fetchSessions(
  api: AirlockApi,
  query: SessionQuery,
  all: boolean,
): Promise<{ items: Session[]; nextCursor: string | null }> {
  const items: Session[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await api.listSessions({ ...query, cursor });
    items.push(...result.items);
    const next = result.nextCursor ?? null;
    if (!all || next === null || seen.has(next)) return { items, nextCursor: all ? null : next };
    seen.add(next);
    cursor = next;
  }
  return { items, nextCursor: null };
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!/^\d+$/.test(value) || limit < 1 || limit > 1000) {
    throw new InvalidArgumentError("expected an integer from 1 to 1000.");
  }
  return limit;
}
