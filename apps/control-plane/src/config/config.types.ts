// The control plane's settings, parsed once at boot from the environment by
// load-config.ts. Nothing else reads process.env.

import type { IdentityMapping } from "../identity/mapping/identity-mapping";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface GrpcTlsConfig {
  cert: Buffer;
  key: Buffer;
  /** When set, clients must present a certificate signed by this CA. */
  clientCa: Buffer | null;
}

export interface AppConfig {
  /** Secret: may hold a password. Never log it or put it in a message. */
  databaseUrl: string;
  /** Secret for the same reason as databaseUrl. */
  redisUrl: string;
  http: { host: string; port: number };
  grpc: {
    host: string;
    port: number;
    /** null only when AIRLOCK_GRPC_INSECURE=true. */
    tls: GrpcTlsConfig | null;
    maxMessageBytes: number;
  };
  /** 32 bytes; encrypts stored target credentials. Secret. */
  masterKey: Buffer;
  /** `alk_key_…`; an admin is ensured to hold it. Secret. */
  bootstrapAdminKey: string | null;
  heartbeatIntervalMs: number;
  postgres: {
    /** Largest Postgres frame a client may send (AIRLOCK_PG_MAX_FRAME_BYTES). */
    maxFrameBytes: number;
  };
  /**
   * How the write-ahead command record commits (AIRLOCK_AUDIT_COMMIT). `sync`: the INSERT
   * waits for the store's WAL flush (synchronous_commit on). `async`: synchronous_commit off
   * on the recording pool: still committed before the command is forwarded, so it survives a
   * control-plane crash, but a crash of the store's Postgres server may lose the last
   * ~3 × wal_writer_delay of records.
   */
  auditCommit: "sync" | "async";
  /** How long a session may take from the client's startup to the target being up. */
  sessionOpenTimeoutMs: number;
  logLevel: LogLevel;
  /** Explicit migrations folder; null means "find prisma/migrations upwards". */
  migrationsDir: string | null;
  /** Prefix of every Redis key (BullMQ queues, pub/sub channels): AIRLOCK_REDIS_PREFIX. */
  redisPrefix: string;
  /**
   * The URL people reach the control plane's HTTP API at (AIRLOCK_PUBLIC_URL), for links in
   * notifications; default http://<AIRLOCK_HTTP_HOST>:<AIRLOCK_HTTP_PORT>.
   */
  publicUrl: string;
  /** How much of each (masked) result is kept for replay (AIRLOCK_RECORD_ROWS / _BYTES). */
  recordResults: { rows: number; bytes: number };
  /**
   * Re-check the connector's masking on the control plane (AIRLOCK_MASK_VERIFY, default
   * true): clear high-confidence values are masked again and audited as violations.
   */
  maskVerify: boolean;
  webhooks: {
    /** First retry delay; doubles each attempt (AIRLOCK_WEBHOOK_BACKOFF_MS). */
    backoffMs: number;
    /** Attempts before a delivery is failed (AIRLOCK_WEBHOOK_ATTEMPTS). */
    attempts: number;
  };
  /** OIDC login (docs/design/0009-oidc-login.md); null when AIRLOCK_OIDC_ISSUER is unset. */
  oidc: OidcConfig | null;
  /** Airlock's own tokens and the identity checks on live sessions. */
  tokens: {
    accessTokenTtlSeconds: number;
    loginMaxAgeSeconds: number;
    /** How often each replica checks the identity behind its live sessions. */
    identitySweepMs: number;
  };
  audit: {
    /** At most how often the sealer signs a checkpoint (AIRLOCK_AUDIT_CHECKPOINT_SECONDS). */
    checkpointSeconds: number;
    /** Days kept, per class (AIRLOCK_RETENTION_*_DAYS). */
    retention: { resultRowsDays: number; commandsDays: number; auditDays: number };
  };
  /** IdP groups → Airlock groups → roles (AIRLOCK_IDENTITY_MAPPING_FILE). */
  identityMapping: IdentityMapping;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  /** Secret. */
  clientSecret: string;
  scopes: string[];
  groupsClaim: string;
  usernameClaim: string;
  /** How often login sessions are checked again at the IdP (a refresh). */
  recheckSeconds: number;
}
