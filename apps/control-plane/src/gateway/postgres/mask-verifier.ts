// The control plane's verification pass over what the connector sends (defence in depth,
// docs/design/0007-masking.md): with mask rules in force, text values are scanned for
// clear values of the high-confidence detectors those rules ask for (by `detect`, or by a
// column rule whose column names the entity: *.email, *card*, *iban*). A hit is redacted
// here too and reported once per result as a violation, so a tampered connector cannot
// leak quietly. Values the connector masked (`***@example.com`, `[REDACTED:…]`, `h:…`)
// do not match the detectors.
import {
  type CopyPlan,
  HIGH_CONFIDENCE,
  type MaskCounts,
  Masker,
  type ResultPlan,
} from "@airlock/masking";
import type { MaskRule } from "@airlock/policy-core";
import {
  type BackendMessage,
  decodeDataRowValues,
  encodeCopyData,
  encodeDataRow,
} from "@airlock/pg-wire";

/** Column-name words that imply a high-confidence detector for a column rule. */
const IMPLIED: readonly [RegExp, string][] = [
  [/e?mail/, "email"],
  [/card|(^|_)cc($|_)|(^|_)pan($|_)/, "credit_card"],
  [/iban/, "iban"],
  [/jwt|token/, "jwt"],
  [/private_?key|pem/, "private_key"],
  [/aws|access_?key/, "aws_access_key"],
];

export class MaskVerifier {
  private key = "";
  private masker: Masker | undefined;
  private plan: ResultPlan | undefined;
  private copyPlan: CopyPlan | undefined;
  private counts: MaskCounts = {};

  constructor(
    private readonly rules: () => readonly MaskRule[],
    private readonly onViolation: (counts: MaskCounts) => void,
  ) {}

  /** Whether anything is verified now (no rules: nothing to check). */
  get active(): boolean {
    this.refresh();
    return this.masker !== undefined;
  }

  /** The message as it may go to the client: a rewritten DataRow/CopyData, or undefined (unchanged). */
  check(m: BackendMessage): BackendMessage | undefined {
    const masker = this.masker;
    if (masker === undefined) return undefined;
    switch (m.type) {
      case "rowDescription":
        this.plan = masker.plan(
          m.fields.map((f) => ({
            name: f.name,
            source: null,
            typeOid: f.typeOid,
            format: f.format,
          })),
        );
        return undefined;
      case "dataRow": {
        if (this.plan === undefined) return undefined;
        const masked = this.plan.maskRow(decodeDataRowValues(m), this.counts);
        if (masked === undefined) return undefined;
        return {
          type: "dataRow",
          raw: encodeDataRow(masked),
          columnCount: masked.length,
          values: masked,
        };
      }
      case "copyOutResponse":
        this.copyPlan =
          m.format === 0 ? masker.planCopy(undefined, m.columnFormats.length) : undefined;
        return undefined;
      case "copyData": {
        if (this.copyPlan === undefined) return undefined;
        const masked = this.copyPlan.maskCopyData(m.data, this.counts);
        if (masked === undefined) return undefined;
        return { type: "copyData", raw: encodeCopyData(masked), data: masked };
      }
      case "commandComplete":
      case "errorResponse":
      case "copyDone":
      case "readyForQuery":
        this.endResult(m.type === "commandComplete" || m.type === "readyForQuery");
        return undefined;
      default:
        return undefined;
    }
  }

  private endResult(clearPlan: boolean): void {
    if (Object.keys(this.counts).length > 0) {
      const counts = this.counts;
      this.counts = {};
      this.onViolation(counts);
    }
    if (clearPlan) {
      this.plan = undefined;
      this.copyPlan = undefined;
    }
    this.refresh();
  }

  private refresh(): void {
    const rules = this.rules();
    const key = JSON.stringify(rules);
    if (key === this.key) return;
    this.key = key;
    const detectors = verifiedDetectors(rules);
    this.masker =
      detectors.length === 0
        ? undefined
        : new Masker([{ detect: detectors, strategy: "redact" }], Buffer.alloc(32));
  }
}

/** High-confidence detectors the rules ask for, directly or through a column rule's name. */
export function verifiedDetectors(rules: readonly MaskRule[]): string[] {
  const wanted = new Set<string>();
  for (const rule of rules) {
    for (const d of rule.detect ?? []) wanted.add(d);
    for (const glob of rule.columns ?? []) {
      const column = (glob.split(".").pop() ?? "").toLowerCase();
      for (const [pattern, detector] of IMPLIED) if (pattern.test(column)) wanted.add(detector);
    }
  }
  return (HIGH_CONFIDENCE as readonly string[]).filter((d) => wanted.has(d));
}
