import type { GatewaySessionFrame } from "@airlock/proto";
import type { MaskRule } from "@airlock/policy-core";
import { describe, expect, it } from "vitest";
import type { SessionFacts } from "../src/gateway/decision";
import { type CopyOut, SessionMasking } from "../src/gateway/session-masking";

const KEY = Buffer.alloc(32, 7);

function setup(initial: MaskRule[]) {
  let rules = initial;
  const policies = {
    version: 1,
    current: () => ({ version: 1, policies: [], names: [] }),
    maskRules: () => rules,
  };
  const facts: SessionFacts = {
    userId: "u1",
    subject: { user: "ana", groups: [] },
    connection: { name: "db", tags: {} },
    connectionId: "c1",
    justification: null,
    reviewId: null,
  };
  const masking = new SessionMasking(policies, facts, KEY);
  const sent: GatewaySessionFrame[] = [];
  const send = (f: GatewaySessionFrame) => sent.push(f);
  return {
    masking,
    sent,
    send,
    facts,
    change(next: MaskRule[]) {
      rules = next;
      policies.version += 1;
    },
  };
}

const copy = (over: Partial<CopyOut["copy"]> = {}, readyIndex = 3, ordinal = 0): CopyOut => ({
  readyIndex,
  ordinal,
  copy: {
    direction: "to",
    stdio: true,
    relation: ["public.people"],
    binary: false,
    format: "text",
    ...over,
  },
});

describe("SessionMasking", () => {
  it("no rules: OpenSession carries no mask config and no hints are sent", () => {
    const t = setup([]);
    expect(t.masking.initial()).toBeUndefined();
    t.masking.beforeForward([copy()], t.send);
    expect(t.sent).toEqual([]);
  });

  it("the first config carries every rule and the installation's hash key", () => {
    const t = setup([
      { columns: ["*.email"], strategy: "hash" },
      { detect: ["iban"], strategy: "redact" },
    ]);
    expect(t.masking.initial()).toEqual({
      rules: [
        { columns: ["*.email"], detect: [], strategy: "hash" },
        { columns: [], detect: ["iban"], strategy: "redact" },
      ],
      hashKey: KEY,
    });
  });

  it("a policy change that changes the rules sends mask_update before the next command", () => {
    const t = setup([{ columns: ["*.email"], strategy: "hash" }]);
    t.masking.initial();
    t.masking.beforeForward([], t.send);
    expect(t.sent).toEqual([]);
    t.change([{ columns: ["*.email"], strategy: "redact" }]);
    t.masking.beforeForward([], t.send);
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0]?.frame?.$case).toBe("maskUpdate");
    // Once sent, not again.
    t.masking.beforeForward([], t.send);
    expect(t.sent).toHaveLength(1);
  });

  it("a new elevation (a new subject object) re-reads the rules too", () => {
    const t = setup([]);
    t.masking.initial();
    t.change([{ detect: ["email"], strategy: "redact" }]);
    t.facts.subject = { ...t.facts.subject, elevations: ["x"] };
    t.masking.beforeForward([], t.send);
    expect(t.sent.map((f) => f.frame?.$case)).toEqual(["maskUpdate"]);
  });

  it("a COPY TO STDOUT of one known table gets a hint with its cycle and ordinal", () => {
    const t = setup([{ columns: ["*.email"], strategy: "hash" }]);
    t.masking.initial();
    t.masking.beforeForward([copy({ columns: ["id", "email"] }, 5, 1)], t.send);
    expect(t.sent).toEqual([
      {
        frame: {
          $case: "copyHint",
          value: {
            readyIndex: 5,
            copyOrdinal: 1,
            table: "public.people",
            columns: ["id", "email"],
            format: "text",
            delimiter: "",
            nullString: "",
            quote: "",
            escape: "",
            header: false,
          },
        },
      },
    ]);
  });

  it.each([
    ["COPY (query) TO STDOUT", copy({ relation: undefined })],
    ["a table name with several candidate schemas", copy({ relation: ["a.t", "b.t"] })],
  ])("%s: a hint without a table (fields split, content rules only)", (_name, c) => {
    const t = setup([{ columns: ["*.email"], strategy: "hash" }]);
    t.masking.initial();
    t.masking.beforeForward([c], t.send);
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0]?.frame).toMatchObject({
      $case: "copyHint",
      value: { table: "", columns: [] },
    });
  });

  it("CSV options travel in the hint", () => {
    const t = setup([{ columns: ["*.email"], strategy: "hash" }]);
    t.masking.initial();
    t.masking.beforeForward(
      [copy({ format: "csv", text: { delimiter: "|", header: true, null: "NULL" } })],
      t.send,
    );
    expect(t.sent[0]?.frame).toMatchObject({
      value: { format: "csv", delimiter: "|", header: true, nullString: "NULL", quote: "" },
    });
  });

  it.each([
    ["COPY FROM STDIN", copy({ direction: "from" })],
    ["COPY TO a server file", copy({ stdio: false })],
    ["binary COPY (the connector refuses it)", copy({ binary: true, format: "binary" })],
  ])("no hint for %s", (_name, c) => {
    const t = setup([{ columns: ["*.email"], strategy: "hash" }]);
    t.masking.initial();
    t.masking.beforeForward([c], t.send);
    expect(t.sent).toEqual([]);
  });
});
