import { describe, expect, it } from "vitest";
import { inspectSql } from "../src/index";
import { isParserLoaded, parserReplacements } from "../src/sql/parser";
import { useParser } from "./helpers";

useParser();

/** Deep enough that the parser's recursion overflows V8's stack inside WASM. */
const overflowing = `SELECT ${"1+".repeat(100_000)}1`;

async function recovered(): Promise<boolean> {
  for (let i = 0; i < 500; i += 1) {
    if (isParserLoaded() && inspectSql("SELECT 1").statements[0]?.kind === "select") return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

describe("parser resilience (a WASM stack overflow must not poison later parses)", () => {
  it("a statement that overflows the parser's stack is unparseable, and the next one parses", async () => {
    const before = parserReplacements();
    const facts = inspectSql(overflowing);
    expect(facts.statements[0]!.kind).toBe("unparseable");
    expect(parserReplacements()).toBe(before + 1);
    expect(inspectSql("SELECT 1").statements[0]!.kind).toBe("select");
    expect(await recovered()).toBe(true);
  });

  it("hundreds of overflowing statements in a row are all denied, and the parser recovers", async () => {
    for (let i = 0; i < 300; i += 1) {
      expect(inspectSql(overflowing).statements[0]!.kind).toBe("unparseable");
    }
    expect(await recovered()).toBe(true);
    // A healthy instance parses a normal workload afterwards.
    for (let i = 0; i < 2_000; i += 1) {
      expect(inspectSql(`SELECT * FROM t WHERE id = ${i}`).statements[0]!.kind).toBe("select");
    }
  });

  it("a syntax error does not replace the parser instance", () => {
    const before = parserReplacements();
    for (let i = 0; i < 50; i += 1) expect(inspectSql("SELEC 1").error).toBeDefined();
    expect(parserReplacements()).toBe(before);
  });

  it("while no parser instance is ready, statements are unparseable (fail closed), never allowed", () => {
    // Exhaust both instances synchronously: no event-loop turn lets the standby refill.
    inspectSql(overflowing);
    inspectSql(overflowing);
    const facts = inspectSql("SELECT 1");
    expect(["unparseable", "select"]).toContain(facts.statements[0]!.kind);
    if (facts.statements[0]!.kind === "unparseable")
      expect(facts.error).toMatch(/restarting|not loaded/);
  });

  it("the parser comes back after being exhausted", async () => {
    expect(await recovered()).toBe(true);
  });
});
