// The sessions module's facade: list and show recorded sessions, and page through one
// session's timeline (GET /api/v1/sessions/:id/events, for replay). Admins and auditors
// see every session; a user sees only their own, and someone else's session is
// reported as not found (its existence is not disclosed).
import { Injectable } from "@nestjs/common";
import { ApprovalsFacade } from "../approvals/approvals.facade";
import { NotFound } from "../errors/domain-errors";
import type { Principal, Role } from "../identity/auth/principal";
import { encodeCursor } from "./session-cursor";
import { encodeTimelineCursor } from "./session-events-cursor";
import type { SessionEventsPage, SessionEventsQuery } from "./session-events.schemas";
import type { SessionDetail, SessionList, SessionListQuery } from "./session.schemas";
import { timelineEntries } from "./session-timeline";
import { toSessionDetail, toSessionView } from "./session.view";
import { type SessionFilter, type SessionRecord, SessionsRepository } from "./sessions.repository";

@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly approvals: ApprovalsFacade,
  ) {}

  /** Newest first; `nextCursor` is set when more sessions match. */
  async list(caller: Principal, query: SessionListQuery): Promise<SessionList> {
    // One row more than the page tells whether another page follows.
    const rows = await this.sessions.list(filterFor(caller, query), {
      limit: query.limit + 1,
      after: query.cursor,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > query.limit && last !== undefined
        ? encodeCursor({ startedAt: last.startedAt, id: last.id })
        : null;
    return { items: page.map(toSessionView), nextCursor };
  }

  async get(caller: Principal, id: string): Promise<SessionDetail> {
    const row = visible(caller, id, await this.sessions.findWithCommands(id.toLowerCase()));
    return toSessionDetail(row, await this.approvals.ofSession(row.id));
  }

  /**
   * The session's timeline, one page at a time: its start, session events, commands (with
   * decision, timing, outcome and masked sample), its reviews' events and its end, in order.
   */
  async events(
    caller: Principal,
    id: string,
    query: SessionEventsQuery,
  ): Promise<SessionEventsPage> {
    const session = visible(caller, id, await this.sessions.findSummary(id.toLowerCase()));
    // One key more than the page tells whether another page follows.
    const keys = await this.sessions.timelineKeys(session, query.cursor, query.limit + 1);
    const page = keys.slice(0, query.limit);
    const rows = await this.sessions.timelineRows(session.id, page);
    const last = page.at(-1);
    const nextCursor =
      keys.length > query.limit && last !== undefined ? encodeTimelineCursor(last) : null;
    return { items: timelineEntries(session, page, rows), nextCursor };
  }
}

/** The session when the caller may see it; otherwise not found (its existence is not disclosed). */
function visible<T extends SessionRecord>(caller: Principal, id: string, row: T | null): T {
  if (row === null || !(seesAllSessions(caller.role) || row.userId === caller.userId)) {
    throw new NotFound(`no session with id ${id}; list sessions with GET /api/v1/sessions`);
  }
  return row;
}

/** The caller's filters, narrowed to the caller's own sessions unless their role sees all. */
function filterFor(caller: Principal, query: SessionListQuery): SessionFilter {
  const filter: SessionFilter = {};
  if (!seesAllSessions(caller.role)) filter.userId = caller.userId;
  if (query.user !== undefined) filter.userName = query.user;
  if (query.connection !== undefined) filter.connectionName = query.connection;
  if (query.status !== undefined) filter.status = query.status;
  if (query.from !== undefined) filter.startedFrom = query.from;
  if (query.to !== undefined) filter.startedBefore = query.to;
  return filter;
}

function seesAllSessions(role: Role): boolean {
  switch (role) {
    case "admin":
    case "auditor":
      return true;
    case "user":
      return false;
  }
}
