import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DETECTORS, HIGH_CONFIDENCE } from "../src/index";

// masking keeps its own copy of the detector names so the connector does not depend on
// policy-core (and libpg-query); this test keeps the two lists identical.
const POLICY_TYPES = join(__dirname, "../../policy-core/src/policy/types.ts");

function policyCoreList(name: string): string[] {
  const source = readFileSync(POLICY_TYPES, "utf8");
  const body = new RegExp(`export const ${name} = \\[([^\\]]*)\\] as const`).exec(source)?.[1];
  if (body === undefined) throw new Error(`${name} not found in ${POLICY_TYPES}`);
  return [...body.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
}

describe("detector names", () => {
  it("are exactly policy-core's DETECTORS, in the same order", () => {
    expect([...DETECTORS]).toEqual(policyCoreList("DETECTORS"));
  });

  it("high-confidence detectors are the checksummed or structurally unambiguous ones", () => {
    expect([...HIGH_CONFIDENCE]).toEqual([
      "email",
      "credit_card",
      "iban",
      "jwt",
      "aws_access_key",
      "private_key",
    ]);
    for (const d of HIGH_CONFIDENCE) expect(DETECTORS).toContain(d);
  });

  it("strategies are exactly policy-core's MASK_STRATEGIES", async () => {
    const { STRATEGIES } = await import("../src/strategies");
    expect([...STRATEGIES]).toEqual(policyCoreList("MASK_STRATEGIES"));
  });
});
