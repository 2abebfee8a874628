import type { Match } from "../types";
import type { Detector } from "./names";

/** A feature (F_… of ./features) and the least count a match needs of it. */
export type Requirement = readonly [feature: number, atLeast: number];

/** One detector: a prefilter on character counts, and a scanner pushing candidates. */
export interface DetectorImpl {
  readonly name: Detector;
  /** Column-name words that raise this detector's candidates by CONTEXT_BOOST. */
  readonly contextWords: readonly string[];
  /**
   * What any match needs (all of them): a value short of one is never decoded or scanned.
   * Data rather than a function, so one loop checks every detector of a column.
   */
  readonly requires: readonly Requirement[];
  /**
   * Pushes candidates with their confidence (context included; `columnContext` says
   * whether the column name carries one of `contextWords`). The caller drops those below
   * THRESHOLD and resolves overlaps.
   */
  scan(text: string, columnContext: boolean, out: Match[]): void;
}
