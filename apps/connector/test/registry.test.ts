import { describe, expect, it } from "vitest";
import { buildEngineRegistry } from "../src/engines";
import type { TargetEngine } from "../src/engines/engine";
import { EngineRegistry } from "../src/engines/registry";

const engine = (name: string): TargetEngine => ({
  name,
  open: () => Promise.reject(new Error("unused")),
});

describe("engine registry", () => {
  it("advertises postgres, the one engine of this build", () => {
    const registry = buildEngineRegistry();
    expect(registry.names()).toEqual(["postgres"]);
    expect(registry.get("postgres")?.name).toBe("postgres");
    expect(registry.get("ssh")).toBeUndefined();
  });

  it("lists names sorted and refuses duplicates", () => {
    expect(
      new EngineRegistry([engine("ssh"), engine("kubernetes"), engine("postgres")]).names(),
    ).toEqual(["kubernetes", "postgres", "ssh"]);
    expect(() => new EngineRegistry([engine("postgres"), engine("postgres")])).toThrow(
      /registered twice/,
    );
  });
});
