import type { Detector } from "./detectors/names";

/** A mask rule as received over the wire; names are validated by `Masker`. */
export interface MaskRule {
  /** Globs on `schema.table.column`, `table.column` or `column` (`*` and `?` within a segment). */
  columns?: readonly string[];
  /** Detector names (policy-core `DETECTORS`). */
  detect?: readonly string[];
  /** `redact`, `partial`, `hash` or `null`. */
  strategy: string;
}

/** One column of a result, as the connector knows it at `RowDescription` (or a COPY hint). */
export interface ResultColumn {
  /** As in RowDescription (may be an alias). */
  name: string;
  /** `schema.table.column` when the column is a table or view column; null for expressions. */
  source: string | null;
  typeOid: number;
  /** 0 text, 1 binary. */
  format: number;
}

/** Values masked per entity: `EMAIL`, `CREDIT_CARD`, …, and `COLUMN` for column rules. */
export type MaskCounts = Record<string, number>;

/** A detector hit in a text: code-unit offsets `[start, end)`. */
export interface Match {
  detector: Detector;
  start: number;
  end: number;
  confidence: number;
}

export interface ResultPlan {
  /**
   * Returns new values when something changed, else undefined; adds to counts. Values are
   * the raw field bytes (text or binary per column format), null for SQL NULL.
   */
  maskRow(values: readonly (Buffer | null)[], counts: MaskCounts): (Buffer | null)[] | undefined;
}

export interface CopyPlan {
  /**
   * One CopyData payload (Postgres sends one text row per CopyData, ending in \n) → masked
   * payload, or undefined when unchanged.
   */
  maskCopyData(data: Buffer, counts: MaskCounts): Buffer | undefined;
}
