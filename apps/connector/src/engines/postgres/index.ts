// The "postgres" engine. For now a plain TCP byte relay: the client's own
// startup and authentication pass through to the server. Issue 3 replaces it
// with a protocol engine (pg-wire) that authenticates with the connection's
// credential and masks result rows before they leave the private network.

import type { TargetEngine } from "../engine";
import { TcpRelayEngine } from "../tcp-relay";

export function createPostgresEngine(): TargetEngine {
  return new TcpRelayEngine("postgres");
}
