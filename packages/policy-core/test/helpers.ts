import { beforeAll } from "vitest";
import {
  evaluate,
  inspectSql,
  loadSqlParser,
  type Decision,
  type EvaluationRequest,
  type PolicyDocument,
  type StatementFacts,
} from "../src/index";
import { demoPolicy } from "./fixtures/demo-policy";

/** Load the WASM parser once per test file. */
export function useParser(): void {
  beforeAll(async () => {
    await loadSqlParser();
  });
}

/** The facts of a one-statement string. */
export function only(sql: string, searchPath?: string[]): StatementFacts {
  const facts = inspectSql(sql, searchPath === undefined ? {} : { searchPath });
  if (facts.statements.length !== 1) {
    throw new Error(`expected one statement in ${sql}, got ${facts.statements.length}`);
  }
  return facts.statements[0]!;
}

export const engineer = { user: "alice", groups: ["engineers"] };
export const demoConnection = { name: "demo-db", tags: { env: "demo" } };
/** A Wednesday, 10:30 UTC. */
export const WEDNESDAY_MORNING = new Date("2025-06-11T10:30:00Z");

/** Decide `sql` for an engineer on the demo connection under `policies` (default: demo). */
export function decide(
  sql: string,
  overrides: Partial<EvaluationRequest> = {},
  policies: PolicyDocument[] = [demoPolicy],
  now: Date = WEDNESDAY_MORNING,
): Decision {
  return evaluate(
    policies,
    { subject: engineer, connection: demoConnection, sql, ...overrides },
    now,
  );
}
