// The "postgres" engine: a protocol engine (pg-wire) that logs in to the target
// with the connection's credential and relays the session's bytes.

import { PostgresEngine } from "./engine";

export { PostgresEngine } from "./engine";

export function createPostgresEngine(): PostgresEngine {
  return new PostgresEngine();
}
