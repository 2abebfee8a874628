import type { CopyPlan, MaskRule, ResultColumn, ResultPlan } from "./types";
import { MaskConfigError } from "./errors";
import { DETECTORS, type Detector, isDetector } from "./detectors/names";
import { type ColumnGlob, columnGlobMatches, compileColumnGlob } from "./column-glob";
import { compileScanner } from "./find-matches";
import type { TextSyntax } from "./mask-text";
import { binaryPrefixLength, typeClassOf } from "./pg-types";
import { type Strategy, isStrategy } from "./strategies";
import type { ColumnAction } from "./value-masker";
import { RowPlan } from "./result-plan";
import { CsvCopyPlan, TextCopyPlan } from "./copy-plan";
import { type CopyFormat, resolveCopyFormat } from "./copy-format";

interface CompiledRule {
  readonly globs: readonly ColumnGlob[] | undefined;
  readonly detect: readonly Detector[] | undefined;
  readonly strategy: Strategy;
}

/** A type OID the caller does not know (0): content is scanned as text, a column rule gives NULL. */
const UNSPECIFIED_OID = 0;

/**
 * A session's mask rules, compiled once; `plan` decides per result what each column gets.
 *
 * - A rule with `columns` only is a **column rule**: the first one whose glob matches a
 *   column's source masks the whole value.
 * - A rule with `detect` only runs its detectors on the content of every text-like column
 *   that has no column rule (and of expressions, which have no source).
 * - A rule with both runs its detectors on the columns its globs match.
 * Where two rules give the same detector different strategies, the first rule wins.
 */
export class Masker {
  /** Some rule exists. */
  readonly active: boolean;
  readonly hasColumnRules: boolean;
  /** The union of the rules' detect lists, in `DETECTORS` order. */
  readonly detectors: readonly Detector[];
  readonly #rules: readonly CompiledRule[];
  readonly #hashKey: Buffer;

  constructor(rules: readonly MaskRule[], hashKey: Buffer) {
    this.#rules = rules.map(compileRule);
    this.#hashKey = hashKey;
    this.active = this.#rules.length > 0;
    this.hasColumnRules = this.#rules.some((r) => r.globs !== undefined && r.detect === undefined);
    const used = new Set(this.#rules.flatMap((r) => r.detect ?? []));
    this.detectors = DETECTORS.filter((d) => used.has(d));
  }

  /** The plan for a result described by a RowDescription; undefined: nothing can apply. */
  plan(columns: readonly ResultColumn[]): ResultPlan | undefined {
    const actions = columns.map((c) => this.#action(c, c.format === 1));
    return actions.some((a) => a !== undefined) ? new RowPlan(actions, this.#hashKey) : undefined;
  }

  /**
   * The plan for a COPY … TO STDOUT (text or csv format). With `columns` (from a COPY
   * hint), column rules apply by source; without, every field is masked by content, as
   * text. With `format` (the hint's options), fields are unescaped or unquoted, masked and
   * written back escaped or quoted. Without it the format is unknown (text, csv, another
   * delimiter): each tab-separated part is scanned as it is, still escaped, so the rows go
   * back byte for byte but for the matches; column rules then need the default text format.
   */
  planCopy(
    columns: readonly ResultColumn[] | undefined,
    fieldCount: number,
    format?: CopyFormat,
  ): CopyPlan | undefined {
    if (columns !== undefined && columns.length !== fieldCount) {
      throw new Error(
        `the COPY hint names ${columns.length} columns but the COPY has ${fieldCount} fields`,
      );
    }
    const resolved = resolveCopyFormat(format);
    const byColumn = columns !== undefined;
    const raw = format === undefined && !byColumn;
    const fields: readonly ResultColumn[] =
      columns ??
      Array.from({ length: fieldCount }, () => ({
        name: "",
        source: null,
        typeOid: UNSPECIFIED_OID,
        format: 0,
      }));
    const actions = fields.map((c) => {
      const action = this.#action(c, false);
      return raw && action?.kind === "content"
        ? { ...action, rules: { ...action.rules, syntax: "copy" as const } }
        : action;
    });
    if (!actions.some((a) => a !== undefined)) return undefined;
    return resolved.csv
      ? new CsvCopyPlan(actions, this.#hashKey, byColumn, resolved)
      : new TextCopyPlan(actions, this.#hashKey, byColumn, resolved, raw ? "raw" : "decode");
  }

  #action(column: ResultColumn, binary: boolean): ColumnAction | undefined {
    const typeClass =
      column.typeOid === UNSPECIFIED_OID ? "unspecified" : typeClassOf(column.typeOid);
    const segments = column.source === null ? undefined : column.source.toLowerCase().split(".");
    const strategies = new Map<Detector, Strategy>();
    for (const rule of this.#rules) {
      const scoped = rule.globs !== undefined;
      if (
        scoped &&
        (segments === undefined || !rule.globs.some((g) => columnGlobMatches(g, segments)))
      ) {
        continue;
      }
      if (rule.detect === undefined) {
        return { kind: "column", strategy: rule.strategy, textOutput: typeClass === "text" };
      }
      for (const d of rule.detect) if (!strategies.has(d)) strategies.set(d, rule.strategy);
    }
    if (strategies.size === 0 || typeClass === "other") return undefined;
    const syntax: TextSyntax = typeClass === "json" ? "json" : typeClass === "xml" ? "xml" : "text";
    const columnName = segments?.[segments.length - 1] ?? column.name;
    const detectors = DETECTORS.filter((d) => strategies.has(d));
    return {
      kind: "content",
      rules: { scanner: compileScanner(detectors, columnName), strategies, syntax },
      prefix: binary ? binaryPrefixLength(column.typeOid) : 0,
    };
  }
}

function compileRule(rule: MaskRule, index: number): CompiledRule {
  const where = `mask rule ${index + 1}`;
  if (!isStrategy(rule.strategy)) {
    throw new MaskConfigError(
      `${where}: unknown strategy "${rule.strategy}" (use redact, partial, hash or null)`,
    );
  }
  const unknown = (rule.detect ?? []).filter((d) => !isDetector(d));
  if (unknown.length > 0) {
    throw new MaskConfigError(
      `${where}: unknown detector${unknown.length > 1 ? "s" : ""} ${unknown.map((d) => `"${d}"`).join(", ")} (known: ${DETECTORS.join(", ")})`,
    );
  }
  const columns = rule.columns ?? [];
  const detect = (rule.detect ?? []) as Detector[];
  if (columns.some((c) => c.trim() === "")) {
    throw new MaskConfigError(`${where}: a column glob is empty`);
  }
  if (columns.length === 0 && detect.length === 0) {
    throw new MaskConfigError(`${where}: needs columns (globs on table.column) or detect, or both`);
  }
  return {
    globs: columns.length > 0 ? columns.map(compileColumnGlob) : undefined,
    detect: detect.length > 0 ? detect : undefined,
    strategy: rule.strategy,
  };
}
