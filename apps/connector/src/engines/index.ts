import { createPostgresEngine } from "./postgres";
import { EngineRegistry } from "./registry";

/** Every engine this build of the connector can drive; their names are its capabilities. */
export function buildEngineRegistry(): EngineRegistry {
  return new EngineRegistry([createPostgresEngine()]);
}
