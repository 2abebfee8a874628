import type { MaskCounts } from "./types";
import { bufferFeatures, newFeatures } from "./detectors/features";
import { scannerMayMatch } from "./find-matches";
import { type ContentRules, countEntity, maskText } from "./mask-text";
import { COLUMN_ENTITY, type Strategy, applyStrategy } from "./strategies";

/** What a plan does to one column's values. */
export type ColumnAction =
  | {
      readonly kind: "column";
      readonly strategy: Strategy;
      /** False: the type cannot hold the strategy's text, so the value becomes NULL. */
      readonly textOutput: boolean;
    }
  | {
      readonly kind: "content";
      readonly rules: ContentRules;
      /** Bytes before the text (jsonb binary: the version byte), kept as they are. */
      readonly prefix: number;
    };

const features = newFeatures();

/**
 * One non-NULL value through its column's action: the new bytes, null for SQL NULL, or
 * undefined when the value is unchanged. Throws on a value it cannot read (a jsonb binary
 * value of an unknown version): the caller fails the session rather than forward it.
 */
export function maskValue(
  value: Buffer,
  action: ColumnAction,
  hashKey: Buffer,
  counts: MaskCounts,
): Buffer | null | undefined {
  if (action.kind === "column") {
    countEntity(counts, COLUMN_ENTITY);
    if (!action.textOutput) return null;
    const out = applyStrategy(action.strategy, value.toString("utf8"), COLUMN_ENTITY, hashKey);
    return out === null ? null : Buffer.from(out, "utf8");
  }
  const { prefix, rules } = action;
  if (prefix > 0 && (value.length < prefix || value[0] !== 1)) {
    throw new Error(`cannot mask a jsonb binary value of version ${value[0] ?? "(empty)"}`);
  }
  if (!scannerMayMatch(rules.scanner, bufferFeatures(value, prefix, features))) return undefined;
  const text = value.toString("utf8", prefix);
  // The byte counts serve as the text's: ASCII counts are the same, and a length in bytes
  // is never shorter than in code units, so no prefilter wrongly skips.
  const masked = maskText(text, rules, features, hashKey, counts);
  if (masked === undefined || masked === null) return masked;
  const body = Buffer.from(masked, "utf8");
  return prefix === 0 ? body : Buffer.concat([value.subarray(0, prefix), body]);
}
