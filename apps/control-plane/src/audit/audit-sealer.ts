// The sealer (docs/design/0010-audit.md): every replica runs one; a Postgres advisory lock
// lets one at a time give unsealed events their seq and hash, in id order, and sign a
// checkpoint of the head at most every AIRLOCK_AUDIT_CHECKPOINT_SECONDS.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from "@nestjs/common";
import type { Logger } from "pino";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { type AuditEventRow, chainHash, GENESIS_HASH } from "./audit-event";
import { AuditChainRepository } from "./audit-chain.repository";
import { CheckpointSigner } from "./checkpoint-signer";

const SEAL_INTERVAL_MS = 200;
const BATCH = 2000;

/** Chains `rows` after `head`: pure, shared with the tests. */
export function sealRows(
  head: { seq: bigint; hash: Buffer } | null,
  rows: readonly AuditEventRow[],
): Array<{ id: bigint; seq: bigint; prevHash: Buffer; hash: Buffer }> {
  let seq = head?.seq ?? 0n;
  let prev = head?.hash ?? GENESIS_HASH;
  return rows.map((row) => {
    seq += 1n;
    const hash = chainHash(prev, seq, row);
    const sealed = { id: row.id, seq, prevHash: prev, hash };
    prev = hash;
    return sealed;
  });
}

@Injectable()
export class AuditSealer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  readonly signer: CheckpointSigner;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastCheckpointAt = 0;
  private lastError: string | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly repo: AuditChainRepository,
  ) {
    this.logger = root.child({ component: "audit-sealer" });
    this.signer = new CheckpointSigner(config.masterKey);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), SEAL_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    // Seal what this replica wrote last, so a clean stop leaves nothing unsealed.
    await this.sealNow().catch(() => undefined);
  }

  private tick(): void {
    if (this.running !== undefined) return;
    this.running = this.sealNow()
      .then(() => {
        if (this.lastError !== undefined) this.logger.info("audit sealing works again");
        this.lastError = undefined;
      })
      .catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        if (message !== this.lastError)
          this.logger.error({ err }, "audit sealing failed; retrying");
        this.lastError = message;
      })
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Seals everything pending (batch after batch), then checkpoints when due. */
  async sealNow(): Promise<void> {
    for (;;) {
      const outcome = await this.repo.sealBatch(BATCH, sealRows);
      if (outcome === null) return; // another replica is sealing
      if (outcome.head !== null) await this.maybeCheckpoint(outcome.head);
      if (outcome.sealed < BATCH) return;
    }
  }

  /** Signs the head when it is newer than the last checkpoint and one is due. */
  private async maybeCheckpoint(head: { seq: bigint; hash: Buffer }): Promise<void> {
    if (Date.now() - this.lastCheckpointAt < this.config.audit.checkpointSeconds * 1000) return;
    const latest = await this.repo.latestCheckpoint();
    if (latest === null || latest.seq < head.seq) await this.checkpoint(head);
    else this.lastCheckpointAt = Date.now();
  }

  /** Signs and stores a checkpoint of (seq, hash). */
  async checkpoint(head: { seq: bigint; hash: Buffer }): Promise<void> {
    await this.repo.insertCheckpoint({
      seq: head.seq,
      hash: head.hash,
      at: new Date(),
      keyId: this.signer.keyId,
      signature: this.signer.sign(head.seq, head.hash),
    });
    this.lastCheckpointAt = Date.now();
  }
}
