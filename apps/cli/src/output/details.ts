import { sanitize } from "./text";

/** Label/value lines with the values aligned, for `get` and `whoami`. */
export function renderDetails(
  pairs: ReadonlyArray<readonly [label: string, value: string]>,
): string {
  const width = Math.max(0, ...pairs.map(([label]) => label.length + 1));
  return (
    pairs.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${sanitize(value)}`).join("\n") +
    "\n"
  );
}
