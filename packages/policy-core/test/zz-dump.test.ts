import { it } from "vitest";
import { readFileSync } from "node:fs";
import type { PolicyDocument } from "../src/index";
import { demoPolicy } from "./fixtures/demo-policy";
import { decide, useParser } from "./helpers";
useParser();
const noSecrets: PolicyDocument = {
  name: "no-secrets",
  subjects: { groups: ["engineers"] },
  resources: { tags: { env: "demo" } },
  rules: [{ id: "secret-schema", match: { sql: { tables: ["secret.*"] } }, action: "deny", message: "the secret schema is off limits" }],
};
const policies = [demoPolicy, noSecrets];
it("dump", () => {
  const src = readFileSync("/tmp/bp/sql.json", "utf8");
  for (const sql of JSON.parse(src) as string[]) {
    const d = decide(sql, {}, policies);
    console.log(JSON.stringify(sql), "=>", d.action, JSON.stringify(d.matchedRuleIds), JSON.stringify(d.reasons));
  }
});
