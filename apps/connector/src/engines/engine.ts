// Every target kind (postgres, ssh, kubernetes) is an engine behind this one
// small interface, chosen by name from the registry built in main.ts.
//
// A session is one ConnectorTunnel.Session stream: the SessionRunner attaches,
// asks the engine to open the target, reports `opened`, then relays bytes:
// gateway data -> `write()`, `output` -> gateway data, until either side closes.
// An engine that speaks the protocol (issue 3: Postgres with SCRAM and masking)
// fits the same shape: it authenticates inside `open()` and transforms bytes in
// `write()` / `output`.

import type { TargetSpec } from "@airlock/proto";
import type { ResolvedCredential } from "../credentials";
import type { Logger } from "../logger";

export interface OpenTargetRequest {
  readonly sessionId: string;
  readonly spec: TargetSpec;
  /** Already resolved; engines never look secrets up themselves. */
  readonly credential: ResolvedCredential;
  /**
   * The client's startup parameters (application_name, client_encoding, …),
   * without `user`, `database` and `replication`; engines without a startup
   * of their own ignore them.
   */
  readonly startupParameters: Readonly<Record<string, string>>;
  /** Aborted when the session is closed before the target is up. */
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/** One open target connection, owned by one session. */
export interface TargetConnection {
  /** The target's address as dialled (for the audit record). */
  readonly remoteAddress: string;
  /**
   * Bytes toward the client, pulled one chunk at a time: not pulling is the
   * backpressure. Ends when the target closes; throws when it fails.
   */
  readonly output: AsyncIterable<Buffer>;
  /** Bytes from the client toward the target; resolves when it can take more. */
  write(chunk: Buffer): Promise<void>;
  /** Releases the connection. Safe to call more than once. */
  close(): void;
  /**
   * Asks the target to cancel what this session is running (Postgres: a
   * CancelRequest with the real backend key). Best effort; never throws.
   */
  cancel?(): Promise<void>;
}

export interface TargetEngine {
  /** Registry key and hello capability, e.g. "postgres". */
  readonly name: string;
  /**
   * Connects (and, for protocol engines, authenticates) to the target.
   * Rejects with a SessionError whose message names the cause and the fix.
   */
  open(request: OpenTargetRequest): Promise<TargetConnection>;
}
