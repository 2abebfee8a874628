// Parameter values as recorded: text-format values as strings, binary ones as
// {"hex": "…"}, SQL NULL as null (docs/design/0002-postgres-path.md).

export type RecordedParam = string | { hex: string } | null;

/**
 * `formats` follows the protocol: none (all text), one (applies to every value) or
 * one per value; 0 is text, 1 is binary.
 */
export function recordedParams(
  formats: readonly number[],
  values: readonly (Buffer | null)[],
): RecordedParam[] {
  const out = new Array<RecordedParam>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] ?? null;
    if (value === null) {
      out[i] = null;
      continue;
    }
    const format = formats.length === 0 ? 0 : formats.length === 1 ? formats[0] : formats[i];
    out[i] = format === 1 ? { hex: value.toString("hex") } : value.toString("utf8");
  }
  return out;
}
