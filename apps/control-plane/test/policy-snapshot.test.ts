// The decision snapshot built from the stored rows: documents in force by name, deleted
// policies left out but counted in the generation, and a stored document that no longer
// validates reported as broken (decisions then fail closed) rather than skipped.
import { describe, expect, it } from "vitest";
import { brokenReason, buildSnapshot } from "../src/policies/policy-snapshot";

const doc = (name: string) => ({
  name,
  subjects: { groups: ["engineers"] },
  resources: { tags: { env: "prod" } },
  rules: [{ id: "reads", match: { sql: { statements: ["select"] } }, action: "allow" }],
});

describe("buildSnapshot", () => {
  it("holds the documents in force, sorted by name", () => {
    const snapshot = buildSnapshot([
      { name: "b", version: 2, document: doc("b") },
      { name: "a", version: 1, document: doc("a") },
    ]);
    expect(snapshot.names).toEqual(["a", "b"]);
    expect(snapshot.policies.map((p) => p.name)).toEqual(["a", "b"]);
    expect(snapshot.broken).toEqual([]);
  });

  it("leaves a deleted policy out but counts its version in the generation", () => {
    const snapshot = buildSnapshot([
      { name: "a", version: 3, document: doc("a") },
      { name: "gone", version: 4, document: null },
    ]);
    expect(snapshot.names).toEqual(["a"]);
    expect(snapshot.generation).toBe(7);
  });

  it("grows the generation with every change", () => {
    const before = buildSnapshot([{ name: "a", version: 1, document: doc("a") }]);
    const changed = buildSnapshot([{ name: "a", version: 2, document: doc("a") }]);
    const added = buildSnapshot([
      { name: "a", version: 1, document: doc("a") },
      { name: "b", version: 1, document: doc("b") },
    ]);
    expect(changed.generation).toBeGreaterThan(before.generation);
    expect(added.generation).toBeGreaterThan(before.generation);
  });

  it("reports a stored document that no longer validates instead of skipping it", () => {
    const snapshot = buildSnapshot([
      { name: "a", version: 1, document: doc("a") },
      { name: "old", version: 5, document: { name: "old", rules: "not a list" } },
    ]);
    expect(snapshot.names).toEqual(["a"]);
    expect(snapshot.broken).toHaveLength(1);
    expect(snapshot.broken[0]).toMatchObject({ name: "old", version: 5 });
    const reason = brokenReason(snapshot.broken);
    expect(reason).toMatch(
      /^stored policy "old" \(version 5: .+\) no longer validates, so no command is allowed/,
    );
    expect(reason).toMatch(/airlock policy apply/);
  });
});
