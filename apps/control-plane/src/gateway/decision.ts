// THE decision point of the data path: every command (each simple Query, each
// Execute of an extended batch, each FunctionCall, and the statements a batch
// prepares) passes through DecisionPoint.decide() before anything is recorded or
// forwarded. It asks the policies module (PolicyDecisions, the policies in force)
// with what the session knows: who, which connection, the search path, the
// statements the session prepared with PREPARE, standard_conforming_strings.
//
// Decisions are cached per process with policy-core's DecisionCache, keyed as it
// documents (normalised text, subject, connection, search path, policy version);
// the cache is cleared whenever the policies in force change.
import {
  type ConnectionRef,
  type Decision,
  DecisionCache,
  type DecisionCacheStats,
  type EvaluationRequest,
  inspectSql,
  type ReviewRequirement,
  resolvePreparedStatements,
  type SqlFacts,
  type StatementFacts,
  type Subject,
} from "@airlock/policy-core";
import { Inject, Injectable } from "@nestjs/common";
import { PolicyDecisions } from "../policies/policy-decisions";

/** What the decision point needs of the policies module: PolicyDecisions. */
export type PolicySource = Pick<PolicyDecisions, "version" | "current" | "evaluate">;

export interface CommandToDecide {
  /** Where the text came from: a Query, an Execute, a FunctionCall or a Parse. */
  kind: "simple" | "extended" | "function_call" | "parse";
  sql: string;
}

/** Who sends the commands of a session, and to which connection (fixed at startup). */
export interface SessionFacts {
  userId: string;
  /**
   * The user's name, groups (resolved when the session started), kind and the elevation
   * roles granted now (replaced, never mutated, when a grant starts or ends).
   */
  subject: Subject;
  connection: ConnectionRef;
  connectionId: string;
  /** `airlock connect --reason`: what review rules with require_justification need. */
  justification: string | null;
  /** `airlock exec --review <id>`: the approved review this session runs. */
  reviewId: string | null;
}

/** What the session's SQL environment is when a command is decided (see session-sql-state.ts). */
export interface SqlContext {
  /** The schemas an unqualified name may resolve to (every candidate when unsure). */
  searchPath: readonly string[];
  /** What RESET search_path restores: the session's startup value. */
  resetSearchPath: readonly string[];
  /**
   * The server's standard_conforming_strings; undefined while an earlier command that
   * could change it is still running (then a backslash makes the text ambiguous).
   */
  standardConformingStrings: boolean | undefined;
  /**
   * client_encoding as the server reported it ("UTF8" until it does); undefined while an
   * earlier command that could change it is still running.
   */
  clientEncoding: string | undefined;
  /** Whether the session holds any statement prepared with SQL PREPARE. */
  hasPrepared: boolean;
  /** The text of the PREPARE statement that created `name`, if the session ran one. */
  preparedText(name: string): string | undefined;
}

export interface CommandDecision {
  /** What the gateway does: forward, refuse, or hold for review. */
  action: "allow" | "deny" | "review";
  /** What is recorded (a review refused because it cannot be held stays `review`). */
  decision: "allow" | "deny" | "review";
  /** Every rule that matched, as `policy/rule` (recorded on the command). */
  ruleIds: string[];
  /** The matched rules whose action is the decision's (named in the refusal). */
  decisiveRuleIds: string[];
  reasons: string[];
  review?: ReviewRequirement;
  /** The statements' facts (with their texts), for the session's SQL state. */
  statements: readonly StatementFacts[];
}

const FASTPATH_REASON =
  "the fastpath function-call protocol names a function by OID, which policy cannot check; " +
  "call the function from SQL instead";
const SCS_UNKNOWN_REASON =
  "an earlier command that may change standard_conforming_strings is still running, so " +
  "backslashes in this text are ambiguous; send it after the previous result arrives";
const ENCODING_UNKNOWN_REASON =
  "an earlier command that may change client_encoding is still running, and this text is " +
  "not valid UTF-8; send it after the previous result arrives";
const RESET_MID_STRING_REASON =
  "this string resets search_path and then runs more statements, but the session started " +
  "with another search_path than Postgres' default, so policy cannot tell which schemas " +
  "the later statements use; send the RESET (or SET … TO DEFAULT) on its own";
/** Postgres' built-in search_path: what policy-core assumes RESET restores. */
const POSTGRES_DEFAULT_PATH = ["$user", "public"];
/** Statement shapes kept (LRU); policy-core caps each normalised text at 16 KiB. */
const CACHE_ENTRIES = 10_000;

@Injectable()
export class DecisionPoint {
  private readonly cache = new DecisionCache(CACHE_ENTRIES);
  private cacheVersion = -1;
  private ruleActions = new Map<string, string>();
  private hits = 0;
  private misses = 0;

  constructor(@Inject(PolicyDecisions) private readonly policies: PolicySource) {}

  /** Decides on one command. Synchronous, never throws; anything not evaluable is denied. */
  decide(
    command: CommandToDecide,
    session: SessionFacts,
    context: SqlContext,
    now: Date = new Date(),
  ): CommandDecision {
    const refusal = this.precondition(command, context);
    if (refusal !== undefined) return refused(refusal);
    const request: EvaluationRequest = {
      subject: session.subject,
      connection: session.connection,
      sql: command.sql,
      searchPath: [...context.searchPath],
      ...(context.standardConformingStrings === false ? { standardConformingStrings: false } : {}),
    };
    this.syncVersion();
    const resolved = this.resolveExecute(request, context);
    let decision: Decision;
    let statements: readonly StatementFacts[];
    if (resolved !== undefined) {
      decision = this.policies.evaluate({ ...request, facts: resolved }, now);
      statements = decision.facts.statements;
    } else {
      decision = this.cached(request, now);
      statements = decision.facts.statements;
      // Cached decisions carry no statement texts; the session keeps a PREPARE's text and
      // reads SET LOCAL from a SET's.
      if (statements.some(needsText)) {
        statements = inspect(command.sql, request).statements;
      }
    }
    if (decision.action !== "deny" && resetsBeforeMore(statements, context)) {
      return refused(RESET_MID_STRING_REASON);
    }
    return this.commandDecision(decision, statements);
  }

  /** Hits and misses of the decision cache since the process started. */
  get cacheStats(): DecisionCacheStats {
    return { ...this.cache.stats, hits: this.hits, misses: this.misses };
  }

  private precondition(command: CommandToDecide, context: SqlContext): string | undefined {
    if (command.kind === "function_call") return FASTPATH_REASON;
    const encoding = context.clientEncoding;
    if (encoding === undefined) {
      // Bytes that are not UTF-8 (decoded as U+FFFD) could be read differently by the server.
      if (command.sql.includes("\uFFFD")) return ENCODING_UNKNOWN_REASON;
    } else if (encoding.toUpperCase() !== "UTF8" && hasNonAscii(command.sql)) {
      return (
        `the session's client_encoding is ${encoding}, and Airlock reads SQL as UTF-8, so ` +
        "text with non-ASCII characters is refused; set client_encoding to UTF8"
      );
    }
    if (context.standardConformingStrings === undefined && command.sql.includes("\\")) {
      return SCS_UNKNOWN_REASON;
    }
    return undefined;
  }

  /**
   * An EXECUTE of a statement the session prepared with PREPARE is judged as the prepared
   * statement, parsed again with the search path in force now (Postgres re-analyses a
   * prepared statement when search_path changed). Undefined when nothing was resolved.
   */
  private resolveExecute(request: EvaluationRequest, context: SqlContext): SqlFacts | undefined {
    // No EXECUTE statement can be written without the keyword.
    if (!context.hasPrepared || !/execute/i.test(request.sql)) return undefined;
    const facts = inspect(request.sql, request);
    const resolved = resolvePreparedStatements(facts, (name) => {
      const text = context.preparedText(name);
      if (text === undefined) return undefined;
      return inspect(text, request).statements[0]?.prepared?.statement;
    });
    return resolved === facts ? undefined : resolved;
  }

  private cached(request: EvaluationRequest, now: Date): Decision {
    const key = DecisionCache.keyFor(request, String(this.cacheVersion));
    if (key !== undefined) {
      const hit = this.cache.get(key);
      if (hit !== undefined) {
        this.hits += 1;
        return hit;
      }
    }
    this.misses += 1;
    const decision = this.policies.evaluate(request, now);
    if (key !== undefined) this.cache.set(key, decision);
    return decision;
  }

  /** A policy change empties the cache and the rule index. */
  private syncVersion(): void {
    const version = this.policies.version;
    if (version === this.cacheVersion) return;
    this.cache.clear();
    this.cacheVersion = version;
    this.ruleActions = new Map();
    for (const policy of this.policies.current().policies) {
      for (const rule of policy.rules)
        this.ruleActions.set(`${policy.name}/${rule.id}`, rule.action);
    }
  }

  private commandDecision(
    decision: Decision,
    statements: readonly StatementFacts[],
  ): CommandDecision {
    const { action, matchedRuleIds, reasons, review } = decision;
    const decisiveRuleIds =
      action === "review" && review !== undefined
        ? [review.ruleId]
        : matchedRuleIds.filter((id) => this.ruleActions.get(id) === action);
    return {
      action,
      decision: action,
      ruleIds: matchedRuleIds,
      decisiveRuleIds,
      reasons,
      ...(review === undefined ? {} : { review }),
      statements,
    };
  }
}

/**
 * Within one string, policy-core resolves the statements after a RESET search_path (RESET
 * ALL, SET … TO DEFAULT) against Postgres' default, but the server restores the session's
 * startup value. When the two differ, such a string cannot be judged.
 */
function resetsBeforeMore(statements: readonly StatementFacts[], context: SqlContext): boolean {
  if (sameList(context.resetSearchPath, POSTGRES_DEFAULT_PATH)) return false;
  return statements
    .slice(0, -1)
    .some(
      (s) =>
        s.setSearchPath !== undefined &&
        (s.kind === "reset" ||
          s.kind === "discard" ||
          sameList(s.setSearchPath, POSTGRES_DEFAULT_PATH)),
    );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function hasNonAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return true;
  return false;
}

function needsText(s: StatementFacts): boolean {
  return s.text === "" && (s.kinds.includes("prepare") || s.setSearchPath !== undefined);
}

function inspect(sql: string, request: EvaluationRequest): SqlFacts {
  return inspectSql(sql, {
    ...(request.searchPath === undefined ? {} : { searchPath: request.searchPath }),
    ...(request.standardConformingStrings === undefined
      ? {}
      : { standardConformingStrings: request.standardConformingStrings }),
  });
}

function refused(reason: string): CommandDecision {
  return {
    action: "deny",
    decision: "deny",
    ruleIds: [],
    decisiveRuleIds: [],
    reasons: [reason],
    statements: [],
  };
}
