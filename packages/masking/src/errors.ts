/** The mask rules cannot be used as given (unknown detector or strategy, empty rule). */
export class MaskConfigError extends Error {
  override readonly name = "MaskConfigError";
}
