// Deprovisioning (docs/design/0009-oidc-login.md): every AIRLOCK_OIDC_RECHECK_SECONDS one
// replica (a BullMQ repeatable job) refreshes each live login session's IdP refresh token
// at the IdP. The IdP refusing it (invalid_grant: the account is gone or disabled, or the
// token was revoked) revokes the login session; the gateway's sweep then ends its live
// sessions. A network error proves nothing: it is logged and tried at the next run.
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from "@nestjs/common";
import type { Logger } from "pino";
import { APP_CONFIG, ROOT_LOGGER } from "../../config/config.tokens";
import type { AppConfig } from "../../config/config.types";
import { JobsService } from "../../jobs/jobs.service";
import { RedisService } from "../../redis/redis.service";
import { decryptCredential, encryptCredential } from "../../security/credential-cipher";
import { LoginSessionRepository } from "../login/login-session.repository";
import { LoginSessionsService } from "../login/login-sessions.service";
import { idpTokenAad } from "./auth.controller";
import { OidcClient } from "./oidc-client";

/** Login sessions checked per run; the rest wait for the next run (oldest check first). */
const BATCH = 200;
/**
 * One run at a time in the whole cluster: IdP refresh tokens rotate, and two runs refreshing
 * the same one would trip the IdP's own reuse detection and lose a valid login. The lock
 * expires by itself should its holder die mid-run.
 */
const LOCK_TTL_MS = 120_000;

@Injectable()
export class IdpRecheck implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly jobs: JobsService,
    private readonly oidc: OidcClient,
    private readonly repo: LoginSessionRepository,
    private readonly sessions: LoginSessionsService,
    private readonly redis: RedisService,
  ) {
    this.logger = root.child({ component: "oidc" });
  }

  onModuleInit(): void {
    if (this.config.oidc === null) return;
    this.jobs.handle("identity-recheck", () => this.run());
    this.jobs.onReconnect(() => this.schedule());
  }

  onApplicationBootstrap(): void {
    if (this.config.oidc === null) return;
    this.schedule().catch((err: unknown) =>
      this.logger.warn(
        { err },
        "could not schedule the IdP recheck yet; retried when Redis is back",
      ),
    );
  }

  private schedule(): Promise<void> {
    return this.jobs.repeat("identity-recheck", {}, this.everyMs());
  }

  private everyMs(): number {
    return (this.config.oidc?.recheckSeconds ?? 30) * 1000;
  }

  /** One run, unless another is under way somewhere in the cluster. */
  async run(): Promise<void> {
    const key = `${this.config.redisPrefix}:identity-recheck:lock`;
    const token = `${process.pid}:${Date.now()}:${Math.random()}`;
    if ((await this.redis.client.set(key, token, "PX", LOCK_TTL_MS, "NX")) !== "OK") return;
    try {
      await this.recheckDue();
    } finally {
      // Release only our own lock (it may have expired and been taken by another run).
      await this.redis.client.eval(
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
        1,
        key,
        token,
      );
    }
  }

  /** Every login session whose last check is older than the interval. */
  private async recheckDue(): Promise<void> {
    const now = new Date();
    // A little slack so a session checked just before the previous run is due in this one.
    const before = new Date(now.getTime() - this.everyMs() + 1000);
    const due = await this.repo.dueForIdpCheck(before, now, BATCH);
    for (const session of due) {
      if (session.idpRefreshToken === null) continue;
      let token: string;
      try {
        token = decryptCredential(
          this.config.masterKey,
          session.idpRefreshToken,
          idpTokenAad(session.userId),
        );
      } catch (err) {
        this.logger.error(
          { err, loginSessionId: session.id },
          "stored IdP refresh token does not decrypt; login revoked",
        );
        await this.sessions.revoke(
          session,
          "its stored IdP refresh token could not be read",
          "auth.idp_revoked",
        );
        continue;
      }
      try {
        const answer = await this.oidc.recheck(token);
        if (answer.kind === "valid") {
          const next =
            answer.refreshToken === null
              ? null
              : encryptCredential(
                  this.config.masterKey,
                  answer.refreshToken,
                  idpTokenAad(session.userId),
                );
          await this.repo.setIdpChecked(session.id, next, new Date());
        } else {
          this.logger.info(
            { user: session.user.name, loginSessionId: session.id, error: answer.error },
            "the IdP refused a login session's refresh: revoked",
          );
          await this.sessions.revoke(
            session,
            `the identity provider no longer accepts it: ${answer.description}`.slice(0, 500),
            "auth.idp_revoked",
          );
        }
      } catch (err) {
        this.logger.warn(
          { err, loginSessionId: session.id },
          "IdP recheck failed; tried again at the next run",
        );
      }
    }
  }
}
