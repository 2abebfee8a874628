import type { Match } from "./types";
import type { Detector } from "./detectors/names";
import type { DetectorImpl } from "./detectors/detector";
import { THRESHOLD, nameHasContext } from "./detectors/context";
import { type Features, newFeatures, stringFeatures } from "./detectors/features";
import { detectorImpl } from "./detectors/registry";

/** Detectors compiled for one column: implementations and whether its name raises each. */
export interface Scanner {
  readonly impls: readonly DetectorImpl[];
  readonly columnContext: readonly boolean[];
  /**
   * Every detector's requirements, flattened: per detector, its number of requirements n,
   * then n pairs (feature, least count).
   */
  readonly requirements: Int32Array;
  /** Where each detector's entry starts in `requirements`. */
  readonly offsets: Int32Array;
}

export function compileScanner(detectors: readonly Detector[], columnName?: string): Scanner {
  const impls = detectors.map(detectorImpl);
  const flat: number[] = [];
  const offsets: number[] = [];
  for (const impl of impls) {
    offsets.push(flat.length);
    flat.push(impl.requires.length, ...impl.requires.flat());
  }
  return {
    impls,
    columnContext: impls.map((d) => nameHasContext(columnName, d.contextWords)),
    requirements: Int32Array.from(flat),
    offsets: Int32Array.from(offsets),
  };
}

/** Whether any of the scanner's detectors may match a value with these counts. */
export function scannerMayMatch(scanner: Scanner, f: Features): boolean {
  const r = scanner.requirements;
  let i = 0;
  while (i < r.length) {
    const n = r[i]!;
    const end = i + 1 + 2 * n;
    let ok = true;
    for (let j = i + 1; j < end && ok; j += 2) ok = f[r[j]!]! >= r[j + 1]!;
    if (ok) return true;
    i = end;
  }
  return false;
}

/** Whether the detector at `index` of the scanner may match. */
function detectorMayMatch(scanner: Scanner, index: number, f: Features): boolean {
  const r = scanner.requirements;
  const i = scanner.offsets[index]!;
  const end = i + 1 + 2 * r[i]!;
  for (let j = i + 1; j < end; j += 2) if (f[r[j]!]! < r[j + 1]!) return false;
  return true;
}

const scratch = newFeatures();
/** Scanners of `findMatches` calls, by detector list (as passed) and column name. */
const scanners = new WeakMap<readonly Detector[], Map<string, Scanner>>();
const MAX_COLUMNS_PER_LIST = 1024;

function sameDetectors(scanner: Scanner, detectors: readonly Detector[]): boolean {
  if (scanner.impls.length !== detectors.length) return false;
  for (let i = 0; i < detectors.length; i++) {
    if (scanner.impls[i]!.name !== detectors[i]) return false;
  }
  return true;
}

function cachedScanner(detectors: readonly Detector[], columnName: string | undefined): Scanner {
  let byColumn = scanners.get(detectors);
  if (byColumn === undefined) {
    byColumn = new Map();
    scanners.set(detectors, byColumn);
  }
  const key = columnName ?? "";
  let scanner = byColumn.get(key);
  // The caller may have changed its array since: then compile again.
  if (scanner === undefined || !sameDetectors(scanner, detectors)) {
    if (byColumn.size >= MAX_COLUMNS_PER_LIST) byColumn.clear();
    scanner = compileScanner(detectors, columnName);
    byColumn.set(key, scanner);
  }
  return scanner;
}

/**
 * The detector matches in `text`, ordered by position, without overlaps: where candidates
 * overlap, the more confident (then the longer) wins. A candidate is reported when its
 * confidence, raised by context (the column name, or a keyword just before it), reaches
 * the threshold (0.7).
 */
export function findMatches(
  text: string,
  detectors: readonly Detector[],
  context?: { columnName?: string },
): Match[] {
  return scan(text, cachedScanner(detectors, context?.columnName), stringFeatures(text, scratch));
}

/** `findMatches` with a compiled scanner and the text's features already counted. */
export function scan(text: string, scanner: Scanner, f: Features): Match[] {
  let found: Match[] | undefined;
  for (let i = 0; i < scanner.impls.length; i++) {
    const impl = scanner.impls[i]!;
    if (!detectorMayMatch(scanner, i, f)) continue;
    found ??= [];
    impl.scan(text, scanner.columnContext[i]!, found);
  }
  if (found === undefined) return [];
  // Keep the candidates that reach the threshold, in place.
  let kept = 0;
  for (const m of found) if (m.confidence >= THRESHOLD - 1e-9) found[kept++] = m;
  if (kept < found.length) found.length = kept;
  return kept <= 1 ? found : withoutOverlaps(found);
}

function withoutOverlaps(matches: Match[]): Match[] {
  const byStrength = [...matches].sort(
    (a, b) =>
      b.confidence - a.confidence || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const kept: Match[] = [];
  for (const m of byStrength) {
    if (kept.every((k) => m.end <= k.start || m.start >= k.end)) kept.push(m);
  }
  return kept.sort((a, b) => a.start - b.start);
}
