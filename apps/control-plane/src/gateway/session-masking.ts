// The control plane's side of masking for one session (docs/design/0007-masking.md):
// which mask rules are in force (the `mask:` sections of every policy that applies to the
// user, with their elevations, on the connection), telling the connector when they
// change, and naming the columns of each COPY … TO STDOUT so column rules reach its rows.
import type { CopyFacts, MaskRule } from "@airlock/policy-core";
import type { CopyHint, GatewaySessionFrame, MaskConfig } from "@airlock/proto";
import type { PolicyDecisions } from "../policies/policy-decisions";
import type { SessionFacts } from "./decision";

/** A COPY … TO STDOUT about to be forwarded: where it sits among the session's cycles. */
export interface CopyOut {
  /** ReadyForQuery cycles the connector will have relayed (after startup) before it. */
  readyIndex: number;
  /** Its place among the COPY … TO STDOUT of that cycle, from 0. */
  ordinal: number;
  copy: CopyFacts;
}

export type SendFrame = (frame: GatewaySessionFrame) => void;

export class SessionMasking {
  private version = -1;
  private subject: SessionFacts["subject"] | undefined;
  private sentKey = "";
  private rules: MaskRule[] = [];

  constructor(
    private readonly policies: Pick<PolicyDecisions, "version" | "current" | "maskRules">,
    private readonly facts: SessionFacts,
    private readonly hashKey: Buffer,
  ) {}

  /** Whether any mask rule is in force now. */
  get active(): boolean {
    return this.rules.length > 0;
  }

  /** The session's first MaskConfig (for OpenSession); undefined when nothing is masked. */
  initial(): MaskConfig | undefined {
    this.refresh();
    this.sentKey = keyOf(this.rules);
    return this.rules.length === 0 ? undefined : this.config();
  }

  /** The rules in force now, for the control plane's own verification pass. */
  get current(): readonly MaskRule[] {
    return this.rules;
  }

  /**
   * Before a command is forwarded: a `mask_update` when the rules changed (policies, or
   * the user's elevations), then a `copy_hint` for each COPY … TO STDOUT of known table.
   */
  beforeForward(copies: readonly CopyOut[], send: SendFrame): void {
    if (this.policies.version !== this.version || this.facts.subject !== this.subject) {
      this.refresh();
      const key = keyOf(this.rules);
      if (key !== this.sentKey) {
        this.sentKey = key;
        send({ frame: { $case: "maskUpdate", value: this.config() } });
      }
    }
    if (this.rules.length === 0) return;
    for (const c of copies) {
      const hint = hintOf(c);
      if (hint !== undefined) send({ frame: { $case: "copyHint", value: hint } });
    }
  }

  private refresh(): void {
    this.version = this.policies.version;
    this.subject = this.facts.subject;
    this.rules = this.policies.maskRules(this.facts.subject, this.facts.connection);
  }

  private config(): MaskConfig {
    return {
      rules: this.rules.map((r) => ({
        columns: [...(r.columns ?? [])],
        detect: [...(r.detect ?? [])],
        strategy: r.strategy,
      })),
      hashKey: this.hashKey,
    };
  }
}

/**
 * A hint for every COPY … TO STDOUT in text or CSV: how its rows split into fields, and
 * its table when that is certain (one candidate schema); otherwise content rules apply.
 */
function hintOf(c: CopyOut): CopyHint | undefined {
  const { copy } = c;
  if (copy.direction !== "to" || !copy.stdio || copy.format === "binary") return undefined;
  const relation = copy.relation?.length === 1 ? (copy.relation[0] as string) : "";
  return {
    readyIndex: c.readyIndex,
    copyOrdinal: c.ordinal,
    table: relation,
    columns: relation === "" ? [] : [...(copy.columns ?? [])],
    format: copy.format,
    delimiter: copy.text?.delimiter ?? "",
    nullString: copy.text?.null ?? "",
    quote: copy.text?.quote ?? "",
    escape: copy.text?.escape ?? "",
    header: copy.text?.header ?? false,
  };
}

function keyOf(rules: readonly MaskRule[]): string {
  return JSON.stringify(rules);
}
