// Every target kind (postgres, ssh, kubernetes) is an engine behind this one
// small interface, chosen by name from the registry built in main.ts.
//
// A session is one ConnectorTunnel.Session stream: the SessionRunner attaches,
// asks the engine to open the target, reports `opened`, then relays bytes:
// gateway data -> `write()`, `output` -> gateway data, until either side closes.
// An engine that speaks the protocol (issue 3: Postgres with SCRAM and masking)
// fits the same shape: it authenticates inside `open()` and transforms bytes in
// `write()` / `output`.
//
// Masking (docs/design/0007-masking.md): the request carries the session's mask
// rules; `output` may then yield `maskStats` items between data chunks, and the
// session's in-band mask updates and COPY hints reach the engine through
// `control()`. An engine that cannot mask refuses a request whose rules are not
// empty (fail closed).

import type { CopyHint, MaskConfig, TargetSpec } from "@airlock/proto";
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
  /** What to mask in results (OpenSession.mask); absent or without rules: nothing. */
  readonly mask?: MaskConfig | undefined;
  /** Aborted when the session is closed before the target is up. */
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/**
 * What one command's result had masked, values per entity ("EMAIL", "COLUMN"…).
 * Yielded just before the data chunk that carries the command's completion.
 */
export interface MaskStatsItem {
  readonly maskStats: Readonly<Record<string, number>>;
}

/** One item of a target's output: bytes toward the client, or masking counts. */
export type OutputItem = Buffer | MaskStatsItem;

/** The session frames, other than data, that only a masking engine acts on. */
export type SessionControl =
  | { readonly $case: "maskUpdate"; readonly value: MaskConfig }
  | { readonly $case: "copyHint"; readonly value: CopyHint };

/** One open target connection, owned by one session. */
export interface TargetConnection {
  /** The target's address as dialled (for the audit record). */
  readonly remoteAddress: string;
  /**
   * Bytes toward the client (and masking counts), pulled one item at a time:
   * not pulling is the backpressure. Ends when the target closes; throws when it
   * fails (a SessionError states the code and the reason to close with).
   */
  readonly output: AsyncIterable<OutputItem>;
  /** Bytes from the client toward the target; resolves when it can take more. */
  write(chunk: Buffer): Promise<void>;
  /** Releases the connection. Safe to call more than once. */
  close(): void;
  /**
   * Asks the target to cancel what this session is running (Postgres: a
   * CancelRequest with the real backend key). Best effort; never throws.
   */
  cancel?(): Promise<void>;
  /**
   * A mask update or COPY hint, in the order the session received it among the
   * data frames: everything written before it was written, nothing after it yet.
   * Throws a SessionError when the session must end (rules it cannot apply).
   * Absent: the engine never masks, and a mask update with rules ends the session.
   */
  control?(frame: SessionControl): void;
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
