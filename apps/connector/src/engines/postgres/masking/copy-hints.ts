// COPY hints from the control plane, waiting for the CopyOutResponse they name
// by (ready_index, copy_ordinal): see masking-stage.ts for how both are counted.
// A hint says how the COPY's rows split into fields (format and options) and,
// when the control plane is sure of it, its table (then column rules apply).

import type { CopyFormat } from "@airlock/masking";
import type { CopyHint } from "@airlock/proto";
import { CloseCode } from "@airlock/proto";
import { SessionError } from "../../session-error";

/** More hints than this waiting at once is not a client the gateway forwards. */
const MAX_PENDING_HINTS = 10_000;

export class CopyHints {
  private readonly pending = new Map<string, CopyHint>();

  /** False when the hint names a cycle that is already over (it can never apply). */
  add(hint: CopyHint, readyIndex: number): boolean {
    if (hint.readyIndex < readyIndex) return false;
    if (this.pending.size >= MAX_PENDING_HINTS) {
      throw new SessionError(
        CloseCode.CLOSE_CODE_INVALID_INPUT,
        `the control plane sent more than ${MAX_PENDING_HINTS} COPY hints that no COPY has used; the session was ended`,
      );
    }
    this.pending.set(key(hint.readyIndex, hint.copyOrdinal), hint);
    return true;
  }

  take(readyIndex: number, copyOrdinal: number): CopyHint | undefined {
    const k = key(readyIndex, copyOrdinal);
    const hint = this.pending.get(k);
    if (hint) this.pending.delete(k);
    return hint;
  }

  /** Forgets the hints of cycles before `readyIndex` (their COPY never came). */
  dropBefore(readyIndex: number): void {
    if (this.pending.size === 0) return;
    for (const [k, hint] of this.pending) {
      if (hint.readyIndex < readyIndex) this.pending.delete(k);
    }
  }
}

function key(readyIndex: number, copyOrdinal: number): string {
  return `${readyIndex}:${copyOrdinal}`;
}

/**
 * The COPY options of a hint, as the masking library takes them. An empty string is the
 * format's default (undefined): an empty `nullString` means "not given", not NULL ''.
 */
export function copyFormatOf(hint: CopyHint): CopyFormat {
  const format = hint.format === "" ? "text" : hint.format;
  if (format !== "text" && format !== "csv") {
    throw new SessionError(
      CloseCode.CLOSE_CODE_INTERNAL,
      `the control plane's COPY hint names the format ${JSON.stringify(hint.format.slice(0, 40))}, which the connector cannot split into fields; the session was ended`,
    );
  }
  return {
    format,
    delimiter: orDefault(hint.delimiter),
    null: orDefault(hint.nullString),
    quote: orDefault(hint.quote),
    escape: orDefault(hint.escape),
    header: hint.header,
  };
}

function orDefault(option: string): string | undefined {
  return option === "" ? undefined : option;
}
