// The free text of the target's own messages, masked by content: ErrorResponse and
// NoticeResponse fields and NotificationResponse payloads can quote row values
// (`DETAIL: Key (email)=(ada@example.com) already exists.`, `Failing row
// contains (…)`, a function's RAISE NOTICE, NOTIFY ch, '…').
//
// Which detectors (docs/design/0007-masking.md, "In the connector"):
// - the detectors of every rule of the session that has `detect`, with that rule's
//   strategy (the first rule naming a detector wins, as for results). Rules scoped
//   to columns count too: a message has no column, and it may quote any of them;
// - when the session has column rules, also the high-confidence detectors
//   (HIGH_CONFIDENCE) with `redact`, for those no detect rule names: a column rule
//   cannot apply to a message (it names no column), but the message can quote that
//   column's value (a unique violation on `users.email`). With only column rules,
//   that is the whole set;
// - strategy `null` becomes `redact`: a field of a message cannot be NULL, and
//   dropping the message would hide the error from the client.

import { HIGH_CONFIDENCE, Masker, type MaskCounts, type ResultPlan } from "@airlock/masking";
import {
  encodeErrorResponse,
  encodeNoticeResponse,
  type ErrorResponse,
  type NoticeFields,
  type NoticeResponse,
  type NotificationResponse,
} from "@airlock/pg-wire";

/** A session rule as the MaskConfig carries it. */
export interface SessionRule {
  readonly columns: readonly string[];
  readonly detect: readonly string[];
  readonly strategy: string;
}

const TEXT_OID = 25;

/**
 * Fields that are not free text: severity, SQLSTATE, positions in the client's query and
 * the server's source line. Every other field (message, detail, hint, where, internal
 * query, the schema/table/column/type/constraint names, file, routine, and codes pg-wire
 * does not know, kept in `other`) is scanned.
 */
const NOT_TEXT: ReadonlySet<keyof NoticeFields> = new Set<keyof NoticeFields>([
  "severity",
  "severityNonLocalized",
  "code",
  "position",
  "internalPosition",
  "line",
  "other",
]);

/** Masks the text of server messages for one set of session rules. */
export class MessageMasker {
  /** One text column, no source: only the detectors run, on the whole text. */
  private readonly plan: ResultPlan;

  private constructor(plan: ResultPlan) {
    this.plan = plan;
  }

  /** Undefined when the rules give no detector (no rules at all). */
  static of(rules: readonly SessionRule[], hashKey: Buffer): MessageMasker | undefined {
    const textRules = rules
      .filter((rule) => rule.detect.length > 0)
      .map((rule) => ({
        detect: rule.detect,
        strategy: rule.strategy === "null" ? "redact" : rule.strategy,
      }));
    if (rules.some((rule) => rule.columns.length > 0 && rule.detect.length === 0)) {
      textRules.push({ detect: HIGH_CONFIDENCE, strategy: "redact" });
    }
    if (textRules.length === 0) return undefined;
    const plan = new Masker(textRules, hashKey).plan([
      { name: "", source: null, typeOid: TEXT_OID, format: 0 },
    ]);
    return plan ? new MessageMasker(plan) : undefined;
  }

  /** The text masked, or undefined when nothing in it matched. Adds to `counts`. */
  text(value: string, counts: MaskCounts): string | undefined {
    if (value === "") return undefined;
    const masked = this.plan.maskRow([Buffer.from(value, "utf8")], counts)?.[0];
    // Never null: no text rule has the null strategy.
    return masked ? masked.toString("utf8") : undefined;
  }

  /**
   * An ErrorResponse or NoticeResponse re-encoded with its text fields masked, or
   * undefined when nothing changed (the original bytes go on). Every field keeps its
   * code and value (pg-wire keeps codes it does not know in `other`). The order may
   * differ: pg-wire writes the known codes in its own order, then `other`, and adds `V`
   * (= severity) when a pre-9.6 server left it out; clients read fields by code.
   */
  errorOrNotice(message: ErrorResponse | NoticeResponse, counts: MaskCounts): Buffer | undefined {
    const { fields } = message;
    let changed: Record<string, string> | undefined;
    for (const name of Object.keys(fields) as (keyof NoticeFields)[]) {
      const value = fields[name];
      if (NOT_TEXT.has(name) || typeof value !== "string") continue;
      const masked = this.text(value, counts);
      if (masked !== undefined) changed = { ...changed, [name]: masked };
    }
    let other: Record<string, string> | undefined;
    for (const [code, value] of Object.entries(fields.other)) {
      const masked = this.text(value, counts);
      if (masked !== undefined) (other ??= { ...fields.other })[code] = masked;
    }
    if (changed === undefined && other === undefined) return undefined;
    const next = { ...fields, ...changed, other: other ?? fields.other };
    return message.type === "errorResponse"
      ? encodeErrorResponse(next)
      : encodeNoticeResponse(next);
  }

  /** A NotificationResponse with its payload masked, or undefined when unchanged. */
  notification(message: NotificationResponse, counts: MaskCounts): Buffer | undefined {
    const payload = this.text(message.payload, counts);
    if (payload === undefined) return undefined;
    return encodeNotification(message.raw, payload);
  }
}

/**
 * NotificationResponse ('A', int32 length, int32 process id, channel\0, payload\0) with
 * a new payload; the process id and channel are the original bytes.
 */
function encodeNotification(raw: Buffer, payload: string): Buffer {
  const channelEnd = raw.indexOf(0, 9);
  const head = raw.subarray(5, channelEnd + 1);
  const body = Buffer.from(payload, "utf8");
  const out = Buffer.alloc(5 + head.length + body.length + 1);
  out[0] = raw[0]!;
  out.writeInt32BE(out.length - 1, 1);
  head.copy(out, 5);
  body.copy(out, 5 + head.length);
  out[out.length - 1] = 0;
  return out;
}
