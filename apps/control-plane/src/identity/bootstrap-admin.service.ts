// Makes sure someone can administer a fresh install (docs/design/0001-foundation.md):
// - AIRLOCK_BOOTSTRAP_ADMIN_KEY set: the user `admin` (role admin) holds that key;
//   a key with the same id but another secret stops the start; a revoked one stays
//   revoked (with a warning) — revocation always wins over configuration;
// - unset, and no API key exists at all: create `admin` and a key, print it once on
//   stderr, outside the structured log.
// A transaction-scoped advisory lock keeps replicas that boot together from racing.
import { Inject, Injectable, type OnModuleInit } from "@nestjs/common";
import type { Logger } from "pino";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { type DbTx, PrismaService } from "../db/prisma.service";
import { StartupError } from "../lifecycle/startup-error";
import { issueToken, parseToken, secretMatches } from "../security/secret-token";
import { ApiKeyRepository } from "./api-key.repository";
import { printAdminKeyBanner } from "./bootstrap-banner";
import { type UserRecord, UserRepository } from "./user.repository";

const ADMIN_USER = "admin";
const KEY_NAME = "bootstrap";

@Injectable()
export class BootstrapAdminService implements OnModuleInit {
  private readonly logger: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly prisma: PrismaService,
    private readonly users: UserRepository,
    private readonly keys: ApiKeyRepository,
  ) {
    this.logger = root.child({ component: "bootstrap" });
  }

  async onModuleInit(): Promise<void> {
    const configured = this.config.bootstrapAdminKey;
    if (configured !== null) {
      await this.prisma.transaction((tx) => this.ensureConfiguredKey(configured, tx));
      return;
    }
    const created = await this.prisma.transaction((tx) => this.createFirstKey(tx));
    if (created !== null) {
      this.logger.warn(
        { user: ADMIN_USER },
        "created the first admin API key; it was printed once on stderr",
      );
      printAdminKeyBanner(created);
    }
  }

  private async ensureConfiguredKey(token: string, tx: DbTx): Promise<void> {
    await this.keys.lockBootstrap(tx);
    const parsed = parseToken("key", token);
    if (parsed === undefined)
      throw new StartupError("AIRLOCK_BOOTSTRAP_ADMIN_KEY: is not an API key");
    const existing = await this.keys.findByPrefix(parsed.prefix, tx);
    if (existing === null) {
      const admin = await this.ensureAdminUser(tx);
      await this.keys.create(
        {
          userId: admin.id,
          name: KEY_NAME,
          prefix: parsed.prefix,
          secretHash: parsed.secretHash,
          expiresAt: null,
        },
        tx,
      );
      this.logger.info(
        { user: ADMIN_USER, prefix: parsed.prefix },
        "bootstrap admin key registered",
      );
      return;
    }
    if (!secretMatches(existing.secretHash, parsed.secretHash)) {
      throw new StartupError(
        `AIRLOCK_BOOTSTRAP_ADMIN_KEY: the store already has an API key with id ${parsed.prefix} but a different secret; ` +
          "set the key that was registered, or generate a new one (a different id), or unset the variable",
      );
    }
    if (existing.revokedAt !== null) {
      this.logger.warn(
        { prefix: parsed.prefix, revokedAt: existing.revokedAt.toISOString() },
        "AIRLOCK_BOOTSTRAP_ADMIN_KEY is revoked and stays revoked; unset it or set a new key",
      );
      return;
    }
    if (existing.user.name !== ADMIN_USER || existing.user.role !== "admin") {
      this.logger.warn(
        { prefix: parsed.prefix, holder: existing.user.name, role: existing.user.role },
        "AIRLOCK_BOOTSTRAP_ADMIN_KEY is held by a user other than an admin named admin; left as it is",
      );
    }
  }

  /** Creates `admin` and a key when the store has no API key at all; returns the key. */
  private async createFirstKey(tx: DbTx): Promise<string | null> {
    await this.keys.lockBootstrap(tx);
    if ((await this.keys.count(tx)) > 0) return null;
    const admin = await this.ensureAdminUser(tx);
    const issued = issueToken("key");
    await this.keys.create(
      {
        userId: admin.id,
        name: KEY_NAME,
        prefix: issued.prefix,
        secretHash: issued.secretHash,
        expiresAt: null,
      },
      tx,
    );
    return issued.token;
  }

  private async ensureAdminUser(tx: DbTx): Promise<UserRecord> {
    const existing = await this.users.findByName(ADMIN_USER, tx);
    if (existing === null)
      return this.users.create({ name: ADMIN_USER, role: "admin", kind: "human" }, tx);
    if (existing.role !== "admin") {
      this.logger.warn(
        { user: ADMIN_USER, was: existing.role },
        "user admin had another role; made admin again",
      );
      return this.users.setRole(existing.id, "admin", tx);
    }
    if (existing.disabledAt !== null) {
      this.logger.warn(
        { user: ADMIN_USER },
        "user admin is disabled; its keys will not authenticate",
      );
    }
    return existing;
  }
}
