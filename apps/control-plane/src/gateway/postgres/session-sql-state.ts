// What the gateway knows of a session's SQL environment, for its policy decisions:
//
//   search_path        the schemas unqualified names resolve to
//   prepared           statements created with SQL PREPARE (an EXECUTE is judged as the
//                      statement it runs)
//   standard_conforming_strings, client_encoding
//                      how the server reads the text (both reported by the server)
//
// search_path. Postgres (before 18) does not report it, so the gateway follows it: the
// startup value (startup-search-path.ts), then every SET search_path / RESET / DISCARD ALL
// / set_config('search_path', …) it forwards. A change is applied when the command is
// forwarded, but the value it replaces stays a CANDIDATE: until the gateway is sure, an
// unqualified name is judged against every schema the path may hold (a deny rule on any
// candidate matches; an allow rule must cover them all). Sure again means: a SET that is
// not LOCAL completed OK outside any transaction block with nothing else in flight, or the
// server reported the value (Postgres 18+). So after a transaction that changed it (a
// ROLLBACK reverts, a COMMIT keeps, SET LOCAL ends, a savepoint may undo), the candidates
// stay until the next such SET: never weaker, sometimes stricter than needed.
//
// Prepared statements are not transactional in Postgres. A PREPARE is recorded when it is
// forwarded (in order, so a later EXECUTE in the same batch sees it) and forgotten if
// the command did not complete OK; a PREPARE of a name already prepared keeps the old
// text (the server refuses it); DEALLOCATE and DISCARD ALL forget. A name the gateway does
// not know makes EXECUTE opaque, which policy denies unless a rule allows `execute`.
import type { StatementFacts } from "@airlock/policy-core";
import type { TransactionStatus } from "@airlock/pg-wire";
import type { SqlContext } from "../decision";
import type { Outcome } from "./response-tracker";
import { DEFAULT_SEARCH_PATH, splitIdentifierList } from "./startup-search-path";

/** The state decisions are made on; a new object on every change (cheap to branch). */
export interface SqlView {
  /** The search path as last set. */
  readonly path: readonly string[];
  /** Schemas the path may also hold (earlier values not known to be gone). */
  readonly extra: readonly string[];
  /** SQL-level prepared statements: the text of the PREPARE, by name. */
  readonly prepared: ReadonlyMap<string, string>;
}

/** What one statement changes. */
export type SqlOp =
  { op: "prepare"; name: string; text: string } | { op: "deallocate"; name: string } | PathOp;

/** A new search path; `replaces` false: it may or may not take effect (a candidate). */
export interface PathOp {
  op: "path";
  value: readonly string[];
  replaces: boolean;
}

/** A forwarded command's changes, kept until it completes. */
export interface CommandEffects {
  readonly ops: readonly SqlOp[];
  /** The exact path to adopt if the command completes OK in autocommit. */
  readonly exactPath: readonly string[] | undefined;
  readonly changesPath: boolean;
  /** Names this command prepared (forgotten if it fails). */
  added: string[];
}

export class SessionSqlState {
  private current: SqlView;
  private scs = true;
  private encoding = "UTF8";
  private serverReportsPath = false;
  private pathChangesInFlight = 0;
  /** Set by a completed exact SET; adopted at the ReadyForQuery that follows if still 'I'. */
  private pendingExact: readonly string[] | undefined;

  constructor(private readonly resetPath: readonly string[]) {
    this.current = { path: resetPath, extra: [], prepared: new Map() };
  }

  get view(): SqlView {
    return this.current;
  }

  /**
   * The context to decide with on `view`. `unsure`: an earlier command is still running,
   * so a setting the server reads text with may be changing under it.
   */
  context(view: SqlView, unsure: boolean): SqlContext {
    return {
      searchPath: searchPathOf(view),
      resetSearchPath: this.resetPath,
      standardConformingStrings: unsure && this.scs ? undefined : this.scs,
      clientEncoding: unsure ? undefined : this.encoding,
      hasPrepared: view.prepared.size > 0,
      preparedText: (name) => view.prepared.get(name),
    };
  }

  /**
   * What the statements of an allowed command change. `autocommit`: the command is
   * known to run outside a transaction block with nothing else in flight.
   */
  effectsOf(statements: readonly StatementFacts[], autocommit: boolean): CommandEffects {
    const ops: SqlOp[] = [];
    let exact = autocommit;
    let last: readonly string[] | undefined;
    for (const s of statements) {
      if (s.kinds.includes("transaction")) exact = false;
      const p = s.prepared;
      if (p !== undefined) {
        if (p.statement !== undefined && s.kinds.includes("prepare") && s.kind !== "execute") {
          ops.push({ op: "prepare", name: p.name, text: s.text });
        } else if (s.kind === "deallocate" || s.kind === "discard") {
          ops.push({ op: "deallocate", name: p.name });
        }
      }
      if (s.setSearchPath !== undefined) {
        const { op, exact: known } = this.pathOp(s, s.setSearchPath);
        ops.push(op);
        if (!known) exact = false;
        last = op.value;
      }
    }
    const changesPath = ops.some((o) => o.op === "path");
    return { ops, exactPath: changesPath && exact ? last : undefined, changesPath, added: [] };
  }

  /** `view` after the ops (pure), and the names they prepared. */
  static apply(view: SqlView, ops: readonly SqlOp[]): { view: SqlView; added: string[] } {
    if (ops.length === 0) return { view, added: [] };
    let { path, extra } = view;
    let prepared: Map<string, string> | undefined;
    const added: string[] = [];
    const writable = (): Map<string, string> => (prepared ??= new Map(view.prepared));
    for (const o of ops) {
      switch (o.op) {
        case "prepare":
          if (!(prepared ?? view.prepared).has(o.name)) {
            writable().set(o.name, o.text);
            added.push(o.name);
          }
          break;
        case "deallocate":
          if (o.name === "*") prepared = new Map();
          else writable().delete(o.name);
          break;
        case "path":
          if (o.replaces) {
            extra = union(extra, path);
            path = o.value;
          } else {
            extra = union(extra, o.value);
          }
          break;
      }
    }
    return { view: { path, extra, prepared: prepared ?? view.prepared }, added };
  }

  /** The command was forwarded: its changes apply now. */
  forwarded(effects: CommandEffects): void {
    if (effects.ops.length === 0) return;
    const { view, added } = SessionSqlState.apply(this.current, effects.ops);
    this.current = view;
    effects.added = added;
    if (effects.changesPath) this.pathChangesInFlight += 1;
  }

  /** A forwarded command completed (or was skipped, or interrupted). */
  completed(effects: CommandEffects, status: Outcome["status"]): void {
    if (effects.ops.length === 0) return;
    if (status !== "ok" && effects.added.length > 0) {
      // It may not have run: fail closed (an EXECUTE of these names becomes opaque).
      const prepared = new Map(this.current.prepared);
      for (const name of effects.added) prepared.delete(name);
      this.current = { ...this.current, prepared };
    }
    if (!effects.changesPath) return;
    this.pathChangesInFlight -= 1;
    this.pendingExact = status === "ok" ? effects.exactPath : undefined;
  }

  /** ReadyForQuery: a completed exact SET becomes the one path if the session is idle. */
  ready(status: TransactionStatus): void {
    const exact = this.pendingExact;
    this.pendingExact = undefined;
    if (exact === undefined || status !== "I" || this.pathChangesInFlight > 0) return;
    this.current = { ...this.current, path: exact, extra: [] };
  }

  /** ParameterStatus from the server (at startup and whenever a reported setting changes). */
  parameterStatus(name: string, value: string): void {
    switch (name) {
      case "standard_conforming_strings":
        this.scs = value === "on";
        return;
      case "client_encoding":
        this.encoding = value;
        return;
      case "search_path": {
        // Postgres 18+ reports it: authoritative, unless our own later change is in flight.
        const path = splitIdentifierList(value);
        if (path === undefined) return;
        this.serverReportsPath = true;
        this.current = {
          ...this.current,
          path,
          extra: this.pathChangesInFlight > 1 ? union(this.current.extra, this.current.path) : [],
        };
        return;
      }
      default:
        return;
    }
  }

  /** Whether the server reports search_path itself (Postgres 18+). */
  get reportsSearchPath(): boolean {
    return this.serverReportsPath;
  }

  /**
   * A statement's new search path, and whether it is known exactly. RESET, DISCARD ALL and
   * SET … TO DEFAULT restore the session's startup value, which policy-core reports as
   * Postgres' default: a SET to that default is either, so when the startup value differs
   * both are candidates. SET LOCAL and set_config() (which may be local) only add
   * candidates. A SET without its text (not expected) is treated as LOCAL.
   */
  private pathOp(s: StatementFacts, value: readonly string[]): { op: PathOp; exact: boolean } {
    if (s.kind === "reset" || s.kind === "discard") {
      return { op: { op: "path", value: this.resetPath, replaces: true }, exact: true };
    }
    if (s.kind !== "set" || s.text === "" || /\blocal\b/i.test(s.text)) {
      return { op: { op: "path", value, replaces: false }, exact: false };
    }
    if (sameList(value, DEFAULT_SEARCH_PATH) && !sameList(this.resetPath, DEFAULT_SEARCH_PATH)) {
      const both = union(this.resetPath, DEFAULT_SEARCH_PATH);
      return { op: { op: "path", value: both, replaces: true }, exact: false };
    }
    return { op: { op: "path", value, replaces: true }, exact: true };
  }
}

/** The search path decisions use: the path, then every other candidate schema. */
export function searchPathOf(view: SqlView): string[] {
  return view.extra.length === 0 ? [...view.path] : union(view.path, view.extra);
}

function union(a: readonly string[], b: readonly string[]): string[] {
  const out = [...a];
  for (const x of b) if (!out.includes(x)) out.push(x);
  return out;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
