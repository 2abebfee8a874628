// A session's MaskConfig (OpenSession.mask or a mask_update) as a Masker. Rules
// the masking library cannot apply end the session: masking less than the
// policies say is not an option (fail closed).

import { Masker, MaskConfigError } from "@airlock/masking";
import { CloseCode, type MaskConfig } from "@airlock/proto";
import { SessionError } from "../../session-error";
import { MessageMasker } from "./message-text";

/** The hash strategy's HMAC key must be a real key, not an absent field. */
const MIN_HASH_KEY_BYTES = 16;

/** A session's compiled rules. */
export interface SessionMasker {
  readonly masker: Masker;
  /**
   * Some rule names columns (a column rule, or detectors scoped to columns), so
   * results need their `schema.table.column` sources from the catalog.
   */
  readonly needsSources: boolean;
  /** The text of errors, notices and notifications (message-text.ts); undefined without rules. */
  readonly messages: MessageMasker | undefined;
}

export function maskerFor(config: MaskConfig | undefined): SessionMasker {
  const rules = config?.rules ?? [];
  const hashKey = config?.hashKey ?? Buffer.alloc(0);
  if (rules.some((rule) => rule.strategy === "hash") && hashKey.length < MIN_HASH_KEY_BYTES) {
    throw new SessionError(
      CloseCode.CLOSE_CODE_INVALID_INPUT,
      `the session's mask rules use the hash strategy but the control plane sent a ${hashKey.length}-byte hash key (at least ${MIN_HASH_KEY_BYTES} needed); check AIRLOCK_MASTER_KEY on the control plane`,
    );
  }
  try {
    const masker = new Masker(
      rules.map((rule) => ({
        columns: rule.columns,
        detect: rule.detect,
        strategy: rule.strategy,
      })),
      Buffer.from(hashKey),
    );
    const needsSources = masker.hasColumnRules || rules.some((rule) => rule.columns.length > 0);
    const messages = masker.active ? MessageMasker.of(rules, Buffer.from(hashKey)) : undefined;
    return { masker, needsSources, messages };
  } catch (err) {
    if (!(err instanceof MaskConfigError)) throw err;
    throw new SessionError(
      CloseCode.CLOSE_CODE_INVALID_INPUT,
      `the session's mask rules cannot be applied: ${err.message}; fix the mask section of the policy`,
    );
  }
}
