import { Injectable } from "@nestjs/common";
import { type Db, type DbTx, PrismaService } from "../db/prisma.service";
import type { ApiKey, User } from "../generated/prisma/client";

export type ApiKeyRecord = ApiKey;
export type ApiKeyWithUser = ApiKey & { user: User };

export interface NewApiKey {
  userId: string;
  name: string;
  prefix: string;
  secretHash: Buffer;
  expiresAt: Date | null;
  /** Absent: no restriction. */
  connections?: string[];
  /** Absent: no restriction beyond the holder's role. */
  scopes?: string[];
}

/** Key of the advisory lock that serialises bootstrap across replicas booting together. */
const BOOTSTRAP_LOCK = "airlock:bootstrap-admin";

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly prisma: PrismaService) {}

  findByPrefix(prefix: string, tx?: Db): Promise<ApiKeyWithUser | null> {
    return (tx ?? this.prisma.client).apiKey.findUnique({
      where: { prefix },
      include: { user: true },
    });
  }

  findById(id: string, tx?: Db): Promise<ApiKeyWithUser | null> {
    return (tx ?? this.prisma.client).apiKey.findUnique({ where: { id }, include: { user: true } });
  }

  /** Every key, or only `userId`'s, oldest first. */
  list(userId: string | null, tx?: Db): Promise<ApiKeyWithUser[]> {
    return (tx ?? this.prisma.client).apiKey.findMany({
      where: userId === null ? {} : { userId },
      include: { user: true },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
  }

  create(data: NewApiKey, tx?: Db): Promise<ApiKeyWithUser> {
    return (tx ?? this.prisma.client).apiKey.create({
      data: { ...data, secretHash: new Uint8Array(data.secretHash) },
      include: { user: true },
    });
  }

  /** Sets revokedAt unless it is already set; returns the row as it now is. */
  async revoke(id: string, at: Date, tx?: Db): Promise<ApiKeyWithUser | null> {
    const db = tx ?? this.prisma.client;
    await db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
    return db.apiKey.findUnique({ where: { id }, include: { user: true } });
  }

  /** Sets revokedAt if the key is not revoked yet; false when it already was. */
  async revokeIfActive(id: string, at: Date, tx?: Db): Promise<boolean> {
    const { count } = await (tx ?? this.prisma.client).apiKey.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: at },
    });
    return count === 1;
  }

  async touchLastUsed(id: string, at: Date, tx?: Db): Promise<void> {
    await (tx ?? this.prisma.client).apiKey.updateMany({ where: { id }, data: { lastUsedAt: at } });
  }

  /** Revocation and expiry of the given keys (for the live-session sweep). */
  validity(
    ids: readonly string[],
  ): Promise<Array<{ id: string; revokedAt: Date | null; expiresAt: Date | null }>> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.prisma.client.apiKey.findMany({
      where: { id: { in: [...ids] } },
      select: { id: true, revokedAt: true, expiresAt: true },
    });
  }

  count(tx?: Db): Promise<number> {
    return (tx ?? this.prisma.client).apiKey.count();
  }

  /** Holds a transaction-scoped advisory lock; call first inside the bootstrap transaction. */
  async lockBootstrap(tx: DbTx): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${BOOTSTRAP_LOCK}))`;
  }
}
