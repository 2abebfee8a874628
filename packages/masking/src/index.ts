// @airlock/masking: result masking for the connector (docs/design/0007-masking.md).
// Pure: no I/O, no dependency beyond the Node standard library.

export { DETECTORS, HIGH_CONFIDENCE, type Detector } from "./detectors/names";
export { type Strategy, applyStrategy } from "./strategies";
export { MaskConfigError } from "./errors";
export type { CopyPlan, Match, MaskCounts, MaskRule, ResultColumn, ResultPlan } from "./types";
export { Masker } from "./masker";
export type { CopyFormat } from "./copy-format";
export { findMatches } from "./find-matches";
