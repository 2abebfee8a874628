// Audit push sinks without a network or a store: the wire formats (RFC 5424 messages with
// octet-counted framing, webhook batches) and the delivery loop's cursor rules (batches start
// right after the cursor, the cursor moves only after the sink accepted a batch and only from
// where it was read, a failure moves nothing), against fakes of the cursor store and chain.
import pino from "pino";
import { describe, expect, it } from "vitest";
import { blankEvent, type SealedAuditEvent } from "../src/audit/audit-event";
import type { AuditChainRepository } from "../src/audit/audit-chain.repository";
import type {
  AuditSinkRecord,
  AuditSinkRepository,
} from "../src/audit-sinks/audit-sink.repository";
import {
  SinkDeliverer,
  SinkDeliveryFailed,
  SINK_BATCH,
  type SinkSendOutcome,
} from "../src/audit-sinks/sink-deliverer";
import {
  octetCounted,
  sdEscape,
  syslogHostname,
  syslogMessage,
  webhookBatchBody,
} from "../src/audit-sinks/sink-format";
import type { AppConfig } from "../src/config/config.types";

const CTX = { productVersion: "9.9.9" };

function event(seq: number, overrides: Partial<SealedAuditEvent> = {}): SealedAuditEvent {
  return {
    ...blankEvent(
      {
        id: BigInt(seq + 1000),
        code: "user.created",
        outcome: "created",
        at: new Date(Date.UTC(2026, 11, 2, 10, 0, 0, seq % 1000)),
      },
      {
        actorId: "00000000-0000-4000-8000-000000000001",
        actorName: "admin",
        actorKind: "human",
        data: { name: `user-${seq}` },
      },
    ),
    seq: BigInt(seq),
    prevHash: Buffer.alloc(32, 1),
    hash: Buffer.alloc(32, 2),
    ...overrides,
  };
}

describe("syslog messages (RFC 5424, octet-counted per RFC 6587)", () => {
  it("writes the header, the airlock@32473 structured data and the CEF payload", () => {
    const message = syslogMessage(
      "cef",
      event(42, { correlationId: "3f1c7a4e-0000-4000-8000-000000000042" }),
      CTX,
      "cp-1.internal",
    );
    expect(message).toMatch(
      /^<110>1 2026-12-02T10:00:00\.042Z cp-1\.internal airlock - user\.created \[airlock@32473 seq="42" correlation="3f1c7a4e-0000-4000-8000-000000000042"\] CEF:0\|Airlock\|Airlock\|9\.9\.9\|/,
    );
    expect(message).toContain("externalId=42");
  });

  it("maps the event's severity to the PRI (facility 13, log audit)", () => {
    const pri = (e: SealedAuditEvent) =>
      Number(/^<(\d+)>/.exec(syslogMessage("cef", e, CTX, "h"))![1]);
    expect(pri(event(1))).toBe(13 * 8 + 6); // informational
    expect(pri(event(2, { code: "command.deny", outcome: "denied" }))).toBe(13 * 8 + 4); // warning
    expect(pri(event(3, { code: "connector.masking_violation", outcome: "masked" }))).toBe(
      13 * 8 + 3, // error
    );
  });

  it("omits a missing correlation and escapes SD-PARAM values", () => {
    expect(syslogMessage("jsonl", event(7), CTX, "h")).toContain('[airlock@32473 seq="7"] {');
    expect(sdEscape('a"b\\c]d')).toBe('a\\"b\\\\c\\]d');
    const message = syslogMessage("jsonl", event(8, { correlationId: 'x"]y' }), CTX, "h");
    expect(message).toContain('correlation="x\\"\\]y"]');
  });

  it("writes JSON payloads on one line (jsonl: the stored event, ocsf: the OCSF event)", () => {
    const jsonl = syslogMessage("jsonl", event(9, { command: "select 1;\nselect 2" }), CTX, "h");
    const payload = jsonl.slice(jsonl.indexOf("] ") + 2);
    expect(payload).not.toContain("\n");
    expect(JSON.parse(payload)).toMatchObject({
      seq: "9",
      id: "1009",
      command: "select 1;\nselect 2",
    });
    const ocsf = syslogMessage("ocsf", event(10), CTX, "h");
    expect(JSON.parse(ocsf.slice(ocsf.indexOf("] ") + 2)).metadata.uid).toBe("10");
  });

  it("counts octets, not characters", () => {
    const frame = octetCounted("<110>1 - - airlock - x - héllo ✓");
    const space = frame.indexOf(0x20);
    const length = Number(frame.subarray(0, space).toString("ascii"));
    expect(length).toBe(frame.length - space - 1);
    expect(length).toBeGreaterThan("<110>1 - - airlock - x - héllo ✓".length);
  });

  it("puts the nil value for a host name RFC 5424 does not allow", () => {
    expect(syslogHostname("cp-1")).toBe("cp-1");
    expect(syslogHostname("has space")).toBe("-");
    expect(syslogHostname("")).toBe("-");
  });
});

describe("webhook batches", () => {
  it("holds the sink, the formatted events and the cursor after them", () => {
    const events = [event(5), event(6)];
    expect(JSON.parse(webhookBatchBody("siem", "jsonl", events, 6n, CTX))).toMatchObject({
      sink: "siem",
      events: [{ seq: "5" }, { seq: "6" }],
      next_cursor: "6",
    });
    const cef = JSON.parse(webhookBatchBody("siem", "cef", events, 6n, CTX));
    expect(cef.events[0]).toMatch(/^CEF:0\|Airlock\|Airlock\|9\.9\.9\|/);
    const test = JSON.parse(webhookBatchBody("siem", "ocsf", [event(0)], 6n, CTX, true));
    expect(test).toMatchObject({ test: true, next_cursor: "6" });
    expect(test.events[0].metadata.uid).toBe("0");
  });
});

// ---------------------------------------------------------------------------------------
// The delivery loop.

const SINK_ID = "00000000-0000-4000-8000-00000000517c";

class FakeStore {
  cursor = 0n;
  enabled = true;
  exists = true;
  lastError: string | null = null;
  /** Set to move the cursor behind the deliverer's back before the next advance. */
  interfere: (() => void) | undefined;

  constructor(readonly chain: SealedAuditEvent[]) {}

  get repo(): AuditSinkRepository {
    return {
      findById: async () =>
        this.exists
          ? ({
              id: SINK_ID,
              name: "fake",
              kind: "syslog",
              format: "jsonl",
              enabled: this.enabled,
              lastError: this.lastError,
            } as AuditSinkRecord)
          : null,
      cursor: async () => (this.exists ? this.cursor : null),
      advance: async (_id: string, from: bigint, to: bigint) => {
        this.interfere?.();
        if (this.cursor !== from) return false;
        this.cursor = to;
        this.lastError = null;
        return true;
      },
      recordFailure: async (_id: string, error: string) => {
        this.lastError = error;
      },
      owners: async () => new Map(),
    } as unknown as AuditSinkRepository;
  }

  get chainRepo(): AuditChainRepository {
    return {
      sealedAfter: async (cursor: bigint, limit: number) =>
        this.chain.filter((e) => e.seq > cursor).slice(0, limit),
    } as unknown as AuditChainRepository;
  }
}

/** A deliverer whose sends are recorded and answered by `answer` (by call number). */
function deliverer(
  store: FakeStore,
  answer: (call: number) => SinkSendOutcome = () => ({ ok: true }),
): { deliverer: SinkDeliverer; sent: bigint[][] } {
  const config = { masterKey: Buffer.alloc(32) } as AppConfig;
  const d = new SinkDeliverer(config, pino({ level: "silent" }), store.repo, store.chainRepo);
  const sent: bigint[][] = [];
  d.send = async (_sink, events) => {
    sent.push(events.map((e) => e.seq));
    return answer(sent.length);
  };
  return { deliverer: d, sent };
}

const chainOf = (n: number): SealedAuditEvent[] =>
  Array.from({ length: n }, (_, i) => event(i + 1));

describe("SinkDeliverer", () => {
  it("sends batches of 500 that start right after the cursor, moving it after each", async () => {
    const store = new FakeStore(chainOf(1234));
    const { deliverer: d, sent } = deliverer(store);
    await d.deliver(SINK_ID);
    expect(sent.map((b) => [b[0], b.at(-1), b.length])).toEqual([
      [1n, 500n, SINK_BATCH],
      [501n, 1000n, SINK_BATCH],
      [1001n, 1234n, 234],
    ]);
    expect(store.cursor).toBe(1234n);
    // Caught up: the next job sends nothing.
    await d.deliver(SINK_ID);
    expect(sent).toHaveLength(3);
  });

  it("moves nothing on a failure, records it, throws for a retry, and resumes from the cursor", async () => {
    const store = new FakeStore(chainOf(1200));
    const { deliverer: d, sent } = deliverer(store, (call) =>
      call === 2 ? { ok: false, error: "syslog: network error (ECONNREFUSED)" } : { ok: true },
    );
    await expect(d.deliver(SINK_ID)).rejects.toThrow(SinkDeliveryFailed);
    await expect(d.deliver(SINK_ID)).resolves.toBeUndefined();
    expect(sent.map((b) => [b[0], b.at(-1)])).toEqual([
      [1n, 500n],
      [501n, 1000n], // refused: not accepted
      [501n, 1000n],
      [1001n, 1200n],
    ]);
    // What the sink accepted: every seq exactly once, in order.
    const accepted = sent.filter((_b, i) => i !== 1).flat();
    expect(accepted).toEqual(chainOf(1200).map((e) => e.seq));
    expect(store.cursor).toBe(1200n);
    expect(store.lastError).toBeNull();
  });

  it("keeps the error it recorded until a delivery succeeds", async () => {
    const store = new FakeStore(chainOf(3));
    const { deliverer: d } = deliverer(store, () => ({ ok: false, error: "webhook: HTTP 503" }));
    await expect(d.deliver(SINK_ID)).rejects.toThrow(/audit sink "fake": webhook: HTTP 503/);
    expect(store.lastError).toBe("webhook: HTTP 503");
    expect(store.cursor).toBe(0n);
  });

  it("stops when another delivery moved the cursor meanwhile (the conditional update)", async () => {
    const store = new FakeStore(chainOf(1200));
    const { deliverer: d, sent } = deliverer(store);
    store.interfere = () => {
      store.cursor = 700n;
      store.interfere = undefined;
    };
    await d.deliver(SINK_ID);
    expect(sent).toHaveLength(1);
    expect(store.cursor).toBe(700n);
  });

  it("sends nothing for a disabled or deleted sink", async () => {
    const store = new FakeStore(chainOf(10));
    const { deliverer: d, sent } = deliverer(store);
    store.enabled = false;
    await d.deliver(SINK_ID);
    store.enabled = true;
    store.exists = false;
    await d.deliver(SINK_ID);
    expect(sent).toEqual([]);
  });

  it("yields the worker after 20 batches; the next job goes on from the cursor", async () => {
    const store = new FakeStore(chainOf(SINK_BATCH * 21 + 1));
    const { deliverer: d, sent } = deliverer(store);
    await d.deliver(SINK_ID);
    expect(sent).toHaveLength(20);
    expect(store.cursor).toBe(BigInt(SINK_BATCH * 20));
    await d.deliver(SINK_ID);
    expect(store.cursor).toBe(BigInt(SINK_BATCH * 21 + 1));
    expect(sent.flat()).toEqual(store.chain.map((e) => e.seq));
  });
});
