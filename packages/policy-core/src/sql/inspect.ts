import type { SqlFacts, StatementFacts } from "./facts";
import { ASSUMED_SEARCH_PATH } from "./names";
import { isParserLoaded, parseSql, normalizeSql, fingerprintSql } from "./parser";
import { inspectStatement, type StatementEnv } from "./statement";
import { StatementText } from "./text";
import { NestingTooDeepError } from "./collector";

export interface InspectOptions {
  /** The session's search path; unqualified names resolve against it. Default ["public"]. */
  searchPath?: string[];
  /**
   * The server's standard_conforming_strings (from ParameterStatus). When off, the server
   * reads backslashes in '…' as escapes and could split statements differently from the
   * parser, so any text with a backslash is refused. Default true (the server default).
   */
  standardConformingStrings?: boolean;
  /** Also compute `fingerprint` and `normalized` (costs two more passes of the parser). */
  fingerprint?: boolean;
}

/**
 * Facts about every statement in `sql`. Synchronous after loadSqlParser(); never throws:
 * text that cannot be inspected becomes one `unparseable` statement, which policy denies.
 */
export function inspectSql(sql: string, options: InspectOptions = {}): SqlFacts {
  if (!isParserLoaded()) {
    return unparseable(sql, "the SQL parser is not loaded (call loadSqlParser() at boot)");
  }
  if (options.standardConformingStrings === false && sql.includes("\\")) {
    return unparseable(
      sql,
      "standard_conforming_strings is off, so backslashes in string literals are ambiguous; " +
        "turn it on or remove the backslashes",
    );
  }
  if (sql.trim() === "") return { statements: [], cacheable: true };
  try {
    const tree = parseSql(sql);
    const env: StatementEnv = {
      searchPath: options.searchPath ?? ASSUMED_SEARCH_PATH,
      prepared: new Map(),
      literalDependent: false,
    };
    const texts = new StatementText(sql);
    const statements: StatementFacts[] = (tree.stmts ?? []).map((raw) =>
      inspectStatement(
        raw.stmt as unknown as Record<string, unknown>,
        texts.slice(raw.stmt_location, raw.stmt_len),
        env,
      ),
    );
    return {
      statements,
      cacheable: !env.literalDependent,
      ...(options.fingerprint === true
        ? { fingerprint: fingerprintSql(sql), normalized: normalizeSql(sql) }
        : {}),
    };
  } catch (error) {
    if (error instanceof NestingTooDeepError) return unparseable(sql, error.message);
    return unparseable(sql, messageOf(error));
  }
}

/** The facts of text that cannot be inspected: one opaque statement, always denied. */
export function unparseable(sql: string, error: string): SqlFacts {
  return {
    statements: [
      {
        kind: "unparseable",
        kinds: ["unparseable"],
        relationsRead: [],
        relationsWritten: [],
        functions: [],
        withoutWhere: false,
        opaque: true,
        opaqueReason: `the SQL cannot be inspected: ${error}`,
        text: sql,
      },
    ],
    error,
    cacheable: false,
  };
}

function messageOf(error: unknown): string {
  if (error instanceof RangeError) return "the statement is nested too deeply to parse";
  if (error instanceof Error) return error.message;
  return String(error);
}
