// THE facade of the policies module: decisions with the policies in force, synchronous,
// from an in-memory snapshot (no I/O on the command path).
//
// Freshness across replicas: the snapshot is reloaded after every write on this replica
// (before the write's response), and every POLL_INTERVAL_MS each replica reads one
// number, the sum of all policies' current versions, which grows with every change on
// any replica; when it differs from the snapshot's, the snapshot is reloaded. So a
// change applies everywhere within about two seconds. Decisions fail closed: before the
// first load, while a stored policy is broken, or when evaluation throws.
import {
  type ConnectionRef,
  type Decision,
  type EvaluationRequest,
  evaluate,
  inspectSql,
  loadSqlParser,
  type MaskRule,
  type PolicyDocument,
  sessionMaskRules,
  type SqlFacts,
  type Subject,
} from "@airlock/policy-core";
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from "@nestjs/common";
import type { Logger } from "pino";
import { ROOT_LOGGER } from "../config/config.tokens";
import { PolicyRepository } from "./policy.repository";
import { brokenReason, buildSnapshot, type PolicySnapshot } from "./policy-snapshot";

export const POLL_INTERVAL_MS = 2_000;

/** What decide() evaluates with: the documents in force and their snapshot version. */
export interface CurrentPolicies {
  version: number;
  policies: readonly PolicyDocument[];
  names: readonly string[];
}

@Injectable()
export class PolicyDecisions implements OnModuleInit, OnApplicationShutdown {
  private readonly logger: Logger;
  private snapshot: PolicySnapshot | undefined;
  private snapshotVersion = 0;
  /** Loads run one after another, each after the call that asked for it. */
  private loads: Promise<void> = Promise.resolve();
  private starting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastPollError: string | undefined;

  constructor(
    private readonly repository: PolicyRepository,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: "policy-decisions" });
  }

  /**
   * Monotonic: bumped every time the policies in force change (a key part for caching
   * decisions). 0 until the first load.
   */
  get version(): number {
    return this.snapshotVersion;
  }

  /** The documents decide() uses right now. */
  current(): CurrentPolicies {
    return {
      version: this.snapshotVersion,
      policies: this.snapshot?.policies ?? [],
      names: this.snapshot?.names ?? [],
    };
  }

  /**
   * Decides on one command (every statement of `sql`) with the policies in force.
   * Never throws: anything that cannot be evaluated is denied with the reason.
   */
  decide(
    subject: Subject,
    connection: ConnectionRef,
    sql: string,
    searchPath?: string[],
    now: Date = new Date(),
  ): Decision {
    return this.evaluate(
      { subject, connection, sql, ...(searchPath === undefined ? {} : { searchPath }) },
      now,
    );
  }

  /**
   * decide() with every input policy-core takes: the gateway passes facts it resolved
   * itself (an EXECUTE of a statement the session prepared) and the session's
   * standard_conforming_strings. Never throws.
   */
  evaluate(request: EvaluationRequest, now: Date = new Date()): Decision {
    const { sql } = request;
    const snapshot = this.snapshot;
    if (snapshot === undefined) {
      return refused(sql, "the policies are not loaded yet; try again in a moment");
    }
    if (snapshot.broken.length > 0) return refused(sql, brokenReason(snapshot.broken));
    try {
      return evaluate(snapshot.policies, request, now);
    } catch (err) {
      this.logger.error({ err }, "policy evaluation failed; command denied");
      return refused(sql, "the policy engine could not evaluate this command");
    }
  }

  /**
   * The mask rules in force for a subject on a connection: every applicable policy's
   * `mask:` rules (docs/design/0007-masking.md).
   */
  maskRules(subject: Subject, connection: ConnectionRef): MaskRule[] {
    return sessionMaskRules(this.current().policies, subject, connection);
  }

  /** Loads the SQL parser and the policies, then polls for changes; safe to call twice. */
  start(): Promise<void> {
    this.starting ??= this.startOnce();
    return this.starting;
  }

  /** Stops polling; safe to call twice. */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    return Promise.resolve();
  }

  /** Reloads the snapshot now (after this replica wrote a policy). Never throws. */
  async refreshAfterWrite(): Promise<void> {
    try {
      await this.reload();
    } catch (err) {
      this.logger.warn({ err }, "could not reload the policies after a change; the poll retries");
    }
  }

  onModuleInit(): Promise<void> {
    return this.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  private async startOnce(): Promise<void> {
    await loadSqlParser();
    await this.reload();
    this.logger.info(
      { policies: this.snapshot?.names.length ?? 0, version: this.snapshotVersion },
      "policies loaded",
    );
    this.schedulePoll();
  }

  /** Queues a load after any in flight, so the newest state always wins. */
  private reload(): Promise<void> {
    const next = this.loads.then(
      () => this.load(),
      () => this.load(),
    );
    this.loads = next.catch(() => undefined);
    return next;
  }

  private async load(): Promise<void> {
    const snapshot = buildSnapshot(await this.repository.snapshotRows());
    if (this.snapshot !== undefined && snapshot.generation === this.snapshot.generation) return;
    this.snapshot = snapshot;
    this.snapshotVersion += 1;
    for (const broken of snapshot.broken) {
      this.logger.error(
        { policy: broken.name, version: broken.version, problem: broken.problem },
        "a stored policy no longer validates; every command is denied until it is fixed",
      );
    }
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.poll().finally(() => this.schedulePoll());
    }, POLL_INTERVAL_MS);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    try {
      const generation = await this.repository.generation();
      if (generation !== this.snapshot?.generation) await this.reload();
      if (this.lastPollError !== undefined) this.logger.info("policy poll recovered");
      this.lastPollError = undefined;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (message !== this.lastPollError) {
        this.logger.warn({ err }, "could not check the policies for changes; retrying");
      }
      this.lastPollError = message;
    }
  }
}

/** A deny that names why, with whatever facts the inspector can give. */
function refused(sql: string, reason: string): Decision {
  return {
    action: "deny",
    matchedRuleIds: [],
    reasons: [reason],
    mask: [],
    facts: factsOf(sql),
    cacheable: false,
  };
}

function factsOf(sql: string): SqlFacts {
  try {
    return inspectSql(sql);
  } catch {
    return { statements: [], error: "not inspected", cacheable: false };
  }
}
