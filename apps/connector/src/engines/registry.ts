import type { TargetEngine } from "./engine";

/** The engines this connector can drive, by name. Built once in main.ts. */
export class EngineRegistry {
  private readonly engines = new Map<string, TargetEngine>();

  constructor(engines: readonly TargetEngine[]) {
    for (const engine of engines) {
      if (this.engines.has(engine.name)) {
        throw new Error(`engine "${engine.name}" is registered twice`);
      }
      this.engines.set(engine.name, engine);
    }
  }

  get(name: string): TargetEngine | undefined {
    return this.engines.get(name);
  }

  /** Sorted engine names: the `capabilities` of the hello message. */
  names(): string[] {
    return [...this.engines.keys()].sort();
  }
}
