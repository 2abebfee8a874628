// API keys: list, create, revoke, rotate. Non-admins see and manage only their own keys.
// A key may be scoped to connections: it opens sessions only on those (the gateway checks).
// Each change is audited (api_key.created, .revoked, .rotated) with the key's id, never the key.
import { Injectable } from "@nestjs/common";
import { AuditService } from "../audit/audit.service";
import { PrismaService } from "../db/prisma.service";
import { Conflict, InvalidInput, NotFound, PermissionDenied } from "../errors/domain-errors";
import { issueToken } from "../security/secret-token";
import { ApiKeyRepository, type ApiKeyWithUser } from "./api-key.repository";
import type { ApiKeyView, CreateApiKeyBody, CreatedApiKey } from "./api-key.schemas";
import { toApiKeyView } from "./api-key.view";
import { auditActor, type Principal } from "./auth/principal";
import { UserRepository } from "./user.repository";

const DAY_MS = 24 * 60 * 60 * 1000;

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly keys: ApiKeyRepository,
    private readonly users: UserRepository,
    private readonly audit: AuditService,
  ) {}

  async list(caller: Principal): Promise<ApiKeyView[]> {
    const rows = await this.keys.list(caller.role === "admin" ? null : caller.userId);
    return rows.map(toApiKeyView);
  }

  async create(caller: Principal, input: CreateApiKeyBody): Promise<CreatedApiKey> {
    const userId = await this.resolveHolder(caller, input.user);
    if (input.scopes.includes("export")) await this.exportHolder(userId);
    const issued = issueToken("key");
    const expiresAt =
      input.expiresInDays === undefined
        ? null
        : new Date(Date.now() + input.expiresInDays * DAY_MS);
    const row = await this.keys.create({
      userId,
      name: input.name,
      prefix: issued.prefix,
      secretHash: issued.secretHash,
      expiresAt,
      connections: input.connections,
      scopes: input.scopes,
    });
    await this.audit.record({
      code: "api_key.created",
      outcome: "created",
      ...auditActor(caller),
      data: keyFacts(row),
    });
    return { apiKey: toApiKeyView(row), key: issued.token };
  }

  /**
   * Replaces a key: a new secret with the same holder, name, connections and expiry, and
   * the old key revoked in the same transaction. A revoked or expired key is not rotated.
   */
  async rotate(caller: Principal, id: string): Promise<CreatedApiKey> {
    const old = await this.findManageable(caller, id);
    const now = new Date();
    if (old.revokedAt !== null) {
      throw new Conflict(`API key ${id} is revoked; create a new one with POST /api/v1/api-keys`);
    }
    if (old.expiresAt !== null && old.expiresAt <= now) {
      throw new Conflict(
        `API key ${id} expired at ${old.expiresAt.toISOString()}; create a new one with POST /api/v1/api-keys`,
      );
    }
    const issued = issueToken("key");
    const row = await this.prisma.transaction(async (tx) => {
      if (!(await this.keys.revokeIfActive(id, now, tx))) {
        throw new Conflict(`API key ${id} was revoked meanwhile; create a new one`);
      }
      return this.keys.create(
        {
          userId: old.userId,
          name: old.name,
          prefix: issued.prefix,
          secretHash: issued.secretHash,
          expiresAt: old.expiresAt,
          connections: old.connections,
          scopes: old.scopes,
        },
        tx,
      );
    });
    await this.audit.record({
      code: "api_key.rotated",
      outcome: "changed",
      ...auditActor(caller),
      data: { ...keyFacts(row), previousId: old.id, previousPrefix: old.prefix },
    });
    return { apiKey: toApiKeyView(row), key: issued.token };
  }

  /** Revokes a key (idempotent). Someone else's key is reported as not found to non-admins. */
  async revoke(caller: Principal, id: string): Promise<ApiKeyView> {
    await this.findManageable(caller, id);
    const now = new Date();
    const revoked = await this.keys.revoke(id, now);
    if (revoked === null)
      throw new NotFound(`no API key with id ${id}; list yours with GET /api/v1/api-keys`);
    // Revoking a revoked key changes nothing: audited once, when it happened.
    if (revoked.revokedAt?.getTime() === now.getTime()) {
      await this.audit.record({
        code: "api_key.revoked",
        outcome: "revoked",
        ...auditActor(caller),
        data: keyFacts(revoked),
      });
    }
    return toApiKeyView(revoked);
  }

  /** The key if the caller may manage it (theirs, or any for admins); else NotFound. */
  private async findManageable(caller: Principal, id: string): Promise<ApiKeyWithUser> {
    const row = await this.keys.findById(id);
    if (row === null || (caller.role !== "admin" && row.userId !== caller.userId)) {
      throw new NotFound(`no API key with id ${id}; list yours with GET /api/v1/api-keys`);
    }
    return row;
  }

  /** An export key is useful only in the hands of someone who may read the audit trail. */
  private async exportHolder(userId: string): Promise<void> {
    const holder = await this.users.findById(userId);
    if (holder !== null && holder.role !== "auditor" && holder.role !== "admin") {
      throw new InvalidInput(
        `body.scopes: an export key must be held by an auditor or admin; ${holder.name} is a ${holder.role}`,
        "scopes",
      );
    }
  }

  private async resolveHolder(caller: Principal, userName: string | undefined): Promise<string> {
    if (userName === undefined || userName === caller.userName) return caller.userId;
    if (caller.role !== "admin") {
      throw new PermissionDenied(
        "only admins may create API keys for other users; leave out `user`",
      );
    }
    const user = await this.users.findByName(userName);
    if (user === null) throw new InvalidInput(`body.user: no user named "${userName}"`, "user");
    return user.id;
  }
}

/** What an audit event says about a key: who holds it and what it may do; never the key. */
function keyFacts(row: ApiKeyWithUser): Record<string, unknown> {
  return {
    id: row.id,
    prefix: row.prefix,
    name: row.name,
    holder: row.user.name,
    holderId: row.userId,
    connections: row.connections,
    scopes: row.scopes,
    expiresAt: row.expiresAt?.toISOString() ?? null,
  };
}
