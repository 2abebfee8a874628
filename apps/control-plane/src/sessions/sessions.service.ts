// The sessions module's facade: list and show recorded sessions. Admins and auditors
// see every session; a user sees only their own, and someone else's session is
// reported as not found (its existence is not disclosed).
import { Injectable } from "@nestjs/common";
import { ApprovalsFacade } from "../approvals/approvals.facade";
import { NotFound } from "../errors/domain-errors";
import type { Principal, Role } from "../identity/auth/principal";
import { encodeCursor } from "./session-cursor";
import type { SessionDetail, SessionList, SessionListQuery } from "./session.schemas";
import { toSessionDetail, toSessionView } from "./session.view";
import { type SessionFilter, SessionsRepository } from "./sessions.repository";

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
    const row = await this.sessions.findWithCommands(id.toLowerCase());
    if (row === null || !(seesAllSessions(caller.role) || row.userId === caller.userId)) {
      throw new NotFound(`no session with id ${id}; list sessions with GET /api/v1/sessions`);
    }
    return toSessionDetail(row, await this.approvals.ofSession(row.id));
  }
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
