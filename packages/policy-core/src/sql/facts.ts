import type { StatementKind } from "./kinds";

/** What one statement does, as far as policy can tell from its parse tree. */
export interface StatementFacts {
  /** The statement's own kind (for EXPLAIN ANALYZE, PREPARE and DECLARE: the inner statement's). */
  kind: StatementKind;
  /**
   * `kind`, the umbrellas over it, the kinds of nested data-modifying statements (a DELETE
   * in a CTE) and of wrappers (EXPLAIN ANALYZE → explain, PREPARE → prepare, DECLARE →
   * declare). `execute` appears only on an EXECUTE not yet resolved to its statement.
   */
  kinds: StatementKind[];
  /**
   * Relations read, as `schema.name`, lowercased unless quoted. An unqualified name is
   * listed once per schema it could resolve to: each schema of the search path (without
   * `$user`), and `pg_catalog` for names starting with `pg_`.
   */
  relationsRead: string[];
  /** Relations written or changed (DML targets, DDL targets, maintenance), resolved as above. */
  relationsWritten: string[];
  /** Functions called anywhere in the statement, lowercased, schema-qualified when written so. */
  functions: string[];
  /** An UPDATE or DELETE (anywhere, CTEs included) without a WHERE, or with a WHERE naming no column. */
  withoutWhere: boolean;
  /** COPY details; `program` and `file` as written. */
  copy?: CopyFacts;
  /** True when policy cannot see what the statement will do (DO, EXECUTE, function bodies, unparseable). */
  opaque: boolean;
  /** Why the statement is opaque, for the deny reason. */
  opaqueReason?: string;
  /**
   * PREPARE: the name and the prepared statement's facts (keep them to resolve a later
   * EXECUTE with resolvePreparedStatements). EXECUTE: the name, plus the statement when it
   * was prepared earlier in the same string. DEALLOCATE: the name; `*` for DEALLOCATE ALL
   * and DISCARD ALL.
   */
  prepared?: { name: string; statement?: StatementFacts };
  /**
   * The session's new search path after SET search_path, RESET (ALL), DISCARD ALL or
   * set_config('search_path', literal): the caller tracks it and passes it to the next
   * inspection. Later statements of the same string already resolve against it.
   */
  setSearchPath?: string[];
  /** This statement's text, as sent. */
  text: string;
}

/** What a COPY statement moves, and where. */
export interface CopyFacts {
  direction: "to" | "from";
  program?: string;
  file?: string;
  /** TO STDOUT / FROM STDIN. */
  stdio: boolean;
  /** `COPY table …`: the schemas the table may resolve to (absent for `COPY (query)`). */
  relation?: string[];
  /** The column list as written (lowercased unless quoted); absent: every column. */
  columns?: string[];
  /** FORMAT binary. */
  binary: boolean;
  /** FORMAT: text (the default), csv or binary. */
  format: "text" | "csv" | "binary";
  /** Options that shape the rows' text, as written (absent: the format's defaults). */
  text?: { delimiter?: string; null?: string; quote?: string; escape?: string; header?: boolean };
}

/** Facts about one query string (one or more statements). */
export interface SqlFacts {
  statements: StatementFacts[];
  /** The parser's message when the string does not parse. */
  error?: string;
  /** libpg_query's fingerprint (for grouping in audit views; NOT a sound cache key, see DecisionCache). */
  fingerprint?: string;
  /** The text with every literal replaced by `$n`: the decision cache key. */
  normalized?: string;
  /**
   * False when a fact depends on a literal value (SET search_path, set_config), which the
   * normalised text does not carry; such decisions are never cached.
   */
  cacheable: boolean;
}
