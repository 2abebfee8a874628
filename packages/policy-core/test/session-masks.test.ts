import { describe, expect, it } from "vitest";
import { sessionMaskRules, type PolicyDocument } from "../src";

const base = (name: string, extra: Partial<PolicyDocument>): PolicyDocument => ({
  name,
  subjects: { groups: ["engineers"] },
  resources: { tags: { env: "prod" } },
  rules: [{ id: "r", match: {}, action: "allow" }],
  ...extra,
});

const engineers = { user: "ana", groups: ["engineers"] };
const prod = { name: "pg-prod", tags: { env: "prod" } };

describe("sessionMaskRules", () => {
  it("unites the mask rules of every applicable policy, each distinct rule once", () => {
    const policies = [
      base("a", { mask: [{ columns: ["*.email"], strategy: "partial" }] }),
      base("b", {
        mask: [
          { columns: ["*.email"], strategy: "partial" },
          { detect: ["credit_card"], strategy: "redact" },
        ],
      }),
    ];
    expect(sessionMaskRules(policies, engineers, prod)).toEqual([
      { columns: ["*.email"], strategy: "partial" },
      { detect: ["credit_card"], strategy: "redact" },
    ]);
  });

  it("leaves out policies for other subjects or other connections", () => {
    const policies = [
      base("other-group", {
        subjects: { groups: ["sales"] },
        mask: [{ detect: ["email"], strategy: "redact" }],
      }),
      base("other-env", {
        resources: { tags: { env: "dev" } },
        mask: [{ detect: ["iban"], strategy: "redact" }],
      }),
    ];
    expect(sessionMaskRules(policies, engineers, prod)).toEqual([]);
  });

  it("an elevation policy's masks apply only while its role is held", () => {
    const policies = [
      base("elevated", {
        elevation: { role: "writer", approvers: ["dba"] },
        mask: [{ detect: ["jwt"], strategy: "redact" }],
      }),
    ];
    expect(sessionMaskRules(policies, engineers, prod)).toEqual([]);
    expect(sessionMaskRules(policies, { ...engineers, elevations: ["writer"] }, prod)).toEqual([
      { detect: ["jwt"], strategy: "redact" },
    ]);
  });
});
