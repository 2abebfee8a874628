import type { MaskCounts, ResultPlan } from "./types";
import { type ColumnAction, maskValue } from "./value-masker";

/** Masks the DataRows of one result, column by column as the plan decided. */
export class RowPlan implements ResultPlan {
  readonly #actions: readonly (ColumnAction | undefined)[];
  /** Indices of the columns that have an action. */
  readonly #columns: readonly number[];
  readonly #hashKey: Buffer;

  constructor(actions: readonly (ColumnAction | undefined)[], hashKey: Buffer) {
    this.#actions = actions;
    this.#columns = actions.flatMap((a, i) => (a === undefined ? [] : [i]));
    this.#hashKey = hashKey;
  }

  maskRow(values: readonly (Buffer | null)[], counts: MaskCounts): (Buffer | null)[] | undefined {
    if (values.length !== this.#actions.length) {
      throw new Error(
        `a DataRow has ${values.length} values but its RowDescription ${this.#actions.length} columns`,
      );
    }
    let out: (Buffer | null)[] | undefined;
    for (const i of this.#columns) {
      const value = values[i];
      if (value === null || value === undefined) continue;
      const masked = maskValue(value, this.#actions[i]!, this.#hashKey, counts);
      if (masked === undefined) continue;
      out ??= values.slice();
      out[i] = masked;
    }
    return out;
  }
}
