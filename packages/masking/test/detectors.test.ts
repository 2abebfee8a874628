import { describe, expect, it } from "vitest";
import { DETECTORS, type Detector, findMatches } from "../src/index";
import { CORPUS, type Sample } from "./corpus";
import { HELD_OUT } from "./corpus-held-out";
import { shannonEntropy } from "../src/detectors/api-key";

// Precision and recall per detector over test/corpus.ts. Thresholds:
// - Checksummed or structurally unambiguous detectors (email, credit_card, iban, jwt,
//   aws_access_key, private_key, uri_password) must be exact on the corpus (1.0 / 1.0):
//   their rules decide every sample, so a miss is a bug, not a trade-off.
// - Heuristic detectors (phone, ssn, ipv4, ipv6, aws_secret_key, api_key) must reach
//   precision ≥ 0.95 and recall ≥ 0.9. Recall matters more than precision for masking
//   (a miss leaks, an extra mask only hides), but a detector that masks order ids and
//   version strings makes results useless, so both are held high. On this corpus they are
//   1.0 too; the margin is for corpus growth, where a near miss is expected now and then.
const EXACT: readonly Detector[] = [
  "email",
  "credit_card",
  "iban",
  "jwt",
  "aws_access_key",
  "private_key",
  "uri_password",
];
const MIN_PRECISION = 0.95;
const MIN_RECALL = 0.9;

interface Score {
  detector: Detector;
  positives: number;
  negatives: number;
  tp: number;
  fp: number;
  fn: number;
  errors: string[];
}

function score(detector: Detector, samples: readonly Sample[]): Score {
  const s: Score = { detector, positives: 0, negatives: 0, tp: 0, fp: 0, fn: 0, errors: [] };
  for (const sample of samples) {
    const context = sample.column === undefined ? undefined : { columnName: sample.column };
    const found = findMatches(sample.text, [detector], context).map((m) =>
      sample.text.slice(m.start, m.end),
    );
    if (sample.expect === undefined) {
      s.negatives++;
      if (found.length > 0) {
        s.fp++;
        s.errors.push(
          `near miss matched: ${JSON.stringify(sample.text)} → ${JSON.stringify(found)}`,
        );
      }
      continue;
    }
    s.positives++;
    if (found.includes(sample.expect)) s.tp++;
    else {
      s.fn++;
      s.errors.push(
        `missed ${JSON.stringify(sample.expect)} in ${JSON.stringify(sample.text)} (found ${JSON.stringify(found)})`,
      );
    }
    const extra = found.filter((f) => f !== sample.expect).length;
    s.fp += extra;
  }
  return s;
}

const scores = DETECTORS.map((d) => score(d, CORPUS[d]));
const precision = (s: Score) => (s.tp + s.fp === 0 ? 1 : s.tp / (s.tp + s.fp));
const recall = (s: Score) => (s.positives === 0 ? 1 : s.tp / s.positives);

describe("detector corpora: precision and recall", () => {
  it("prints the table", () => {
    const rows = scores.map((s) => ({
      detector: s.detector,
      positives: s.positives,
      negatives: s.negatives,
      precision: precision(s).toFixed(3),
      recall: recall(s).toFixed(3),
    }));
    console.log(`\n${formatTable(rows)}`);
    expect(rows).toHaveLength(DETECTORS.length);
  });

  it.each(scores.map((s) => [s.detector, s] as const))(
    "%s reaches its precision and recall thresholds",
    (detector, s) => {
      const exact = EXACT.includes(detector);
      if (exact) expect(s.errors).toEqual([]);
      else if (s.errors.length > 0) console.log(`${detector}:\n  ${s.errors.join("\n  ")}`);
      expect(precision(s)).toBeGreaterThanOrEqual(exact ? 1 : MIN_PRECISION);
      expect(recall(s)).toBeGreaterThanOrEqual(exact ? 1 : MIN_RECALL);
    },
  );

  it.each(DETECTORS.filter((d) => d !== "aws_secret_key" && d !== "private_key"))(
    "%s has at least 25 positives and 25 near misses",
    (detector) => {
      const samples = CORPUS[detector];
      expect(samples.filter((x) => x.expect !== undefined).length).toBeGreaterThanOrEqual(25);
      expect(samples.filter((x) => x.expect === undefined).length).toBeGreaterThanOrEqual(25);
    },
  );
});

function formatTable(rows: Record<string, string | number>[]): string {
  const keys = Object.keys(rows[0]!);
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i]!)).join("  ");
  return [line(keys), ...rows.map((r) => line(keys.map((k) => String(r[k]))))].join("\n");
}

// The held-out corpus was not used to tune the detectors, so it is scored against the
// pooled thresholds only: precision ≥ 0.9 and recall ≥ 0.85 over all its samples. Misses
// are printed, not asserted one by one.
describe("held-out corpus: precision and recall", () => {
  const held = DETECTORS.filter((d) => HELD_OUT[d] !== undefined).map((d) =>
    score(d, HELD_OUT[d]!),
  );

  it("prints the table and the misses", () => {
    const rows = held.map((s) => ({
      detector: s.detector,
      positives: s.positives,
      negatives: s.negatives,
      precision: precision(s).toFixed(3),
      recall: recall(s).toFixed(3),
    }));
    console.log(`\nheld out\n${formatTable(rows)}`);
    const errors = held.flatMap((s) => s.errors.map((e) => `${s.detector}: ${e}`));
    if (errors.length > 0) console.log(errors.join("\n"));
    expect(rows.length).toBeGreaterThan(0);
  });

  it("reaches precision ≥ 0.9 and recall ≥ 0.85 over all its samples", () => {
    const total = held.reduce(
      (t, s) => ({ tp: t.tp + s.tp, fp: t.fp + s.fp, positives: t.positives + s.positives }),
      { tp: 0, fp: 0, positives: 0 },
    );
    expect(total.tp / (total.tp + total.fp)).toBeGreaterThanOrEqual(0.9);
    expect(total.tp / total.positives).toBeGreaterThanOrEqual(0.85);
  });
});

describe("findMatches", () => {
  it("sees a change to a detector list it was given before", () => {
    const detectors: ("email" | "phone")[] = ["email"];
    expect(findMatches("call 555-123-4567", detectors)).toEqual([]);
    detectors.push("phone");
    expect(findMatches("call 555-123-4567", detectors).map((m) => m.detector)).toEqual(["phone"]);
  });

  it("reports offsets in UTF-16 code units of the string", () => {
    const text = "Zoë ✓ bob@example.com";
    const [m] = findMatches(text, ["email"]);
    expect(text.slice(m!.start, m!.end)).toBe("bob@example.com");
  });

  it("resolves overlaps: the more confident match wins (a card over the phone inside it)", () => {
    const text = "4111 1111 1111 1111";
    expect(findMatches(text, ["phone", "credit_card", "ssn"]).map((m) => m.detector)).toEqual([
      "credit_card",
    ]);
  });

  it("a URI password is not also an email", () => {
    const text = "postgres://app:secret@db.example.com/x";
    expect(
      findMatches(text, ["email", "uri_password"]).map((m) => text.slice(m.start, m.end)),
    ).toEqual(["secret"]);
  });
});

describe("shannonEntropy", () => {
  const reference = (s: string) => {
    const counts = new Map<string, number>();
    for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    let h = 0;
    for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
    return h;
  };

  it("agrees with a per-character count, call after call (its counts are reused)", () => {
    for (const s of [
      "",
      "aaaa",
      "X7kP2mQ9vL4nR8tW3yZ6bC1dF5gH0jK",
      "3f2b8c1e-9d4a-4e6b-8a7c-1f2e3d4c5b6a",
      "Zoë ÿÿ",
      "key ✓ 🔑 then ascii",
      "aaaa",
    ]) {
      expect(shannonEntropy(s)).toBeCloseTo(reference(s), 12);
    }
  });
});
