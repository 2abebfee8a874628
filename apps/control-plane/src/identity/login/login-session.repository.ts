// Login sessions (one IdP login each) and their single-use refresh tokens.
import { Injectable } from "@nestjs/common";
import { type Db, PrismaService } from "../../db/prisma.service";
import type { LoginSession, User } from "../../generated/prisma/client";

export type LoginSessionWithUser = LoginSession & { user: User };

export interface RefreshTokenRow {
  id: string;
  secretHash: Uint8Array;
  usedAt: Date | null;
  loginSession: LoginSessionWithUser;
}

export type RefreshOutcome =
  | { kind: "rotated"; session: LoginSessionWithUser }
  | { kind: "reused"; session: LoginSessionWithUser };

@Injectable()
export class LoginSessionRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** A new login session with its first refresh token, in one transaction. */
  create(
    data: { userId: string; expiresAt: Date; idpRefreshToken: Buffer | null },
    firstToken: { prefix: string; secretHash: Buffer },
  ): Promise<LoginSessionWithUser> {
    return this.prisma.transaction(async (tx) => {
      const session = await tx.loginSession.create({
        data: {
          userId: data.userId,
          expiresAt: data.expiresAt,
          idpRefreshToken: bytes(data.idpRefreshToken),
          idpCheckedAt: new Date(),
        },
        include: { user: true },
      });
      await tx.refreshToken.create({
        data: {
          loginSessionId: session.id,
          prefix: firstToken.prefix,
          secretHash: new Uint8Array(firstToken.secretHash),
        },
      });
      return session;
    });
  }

  findRefreshToken(prefix: string): Promise<RefreshTokenRow | null> {
    return this.prisma.client.refreshToken.findUnique({
      where: { prefix },
      select: {
        id: true,
        secretHash: true,
        usedAt: true,
        loginSession: { include: { user: true } },
      },
    });
  }

  /**
   * Marks the token used and stores its successor, or, when it was used already, revokes
   * the whole login session (reuse: one of the two holders stole it). One transaction; the
   * conditional update makes two concurrent refreshes with one token count as reuse.
   */
  rotate(
    tokenId: string,
    loginSessionId: string,
    next: { prefix: string; secretHash: Buffer },
    now: Date,
  ): Promise<RefreshOutcome> {
    return this.prisma.transaction(async (tx) => {
      const used = await tx.refreshToken.updateMany({
        where: { id: tokenId, usedAt: null },
        data: { usedAt: now },
      });
      if (used.count !== 1) {
        const session = await tx.loginSession.update({
          where: { id: loginSessionId },
          data: { revokedAt: now, revokeReason: "refresh token reused" },
          include: { user: true },
        });
        return { kind: "reused", session };
      }
      await tx.refreshToken.create({
        data: { loginSessionId, prefix: next.prefix, secretHash: new Uint8Array(next.secretHash) },
      });
      const session = await tx.loginSession.update({
        where: { id: loginSessionId },
        data: { lastRefreshedAt: now },
        include: { user: true },
      });
      return { kind: "rotated", session };
    });
  }

  findById(id: string, tx?: Db): Promise<LoginSessionWithUser | null> {
    return (tx ?? this.prisma.client).loginSession.findUnique({
      where: { id },
      include: { user: true },
    });
  }

  /** Revokes a live login session; false when it was already revoked or does not exist. */
  async revoke(id: string, reason: string, now: Date): Promise<boolean> {
    const result = await this.prisma.client.loginSession.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: now, revokeReason: reason },
    });
    return result.count === 1;
  }

  /** Live login sessions holding an IdP refresh token, checked at the IdP before `before`. */
  dueForIdpCheck(before: Date, now: Date, limit: number): Promise<LoginSessionWithUser[]> {
    return this.prisma.client.loginSession.findMany({
      where: {
        revokedAt: null,
        expiresAt: { gt: now },
        idpRefreshToken: { not: null },
        OR: [{ idpCheckedAt: null }, { idpCheckedAt: { lt: before } }],
      },
      orderBy: { idpCheckedAt: "asc" },
      take: limit,
      include: { user: true },
    });
  }

  setIdpChecked(id: string, idpRefreshToken: Buffer | null, at: Date): Promise<unknown> {
    return this.prisma.client.loginSession.updateMany({
      where: { id, revokedAt: null },
      data: {
        idpCheckedAt: at,
        ...(idpRefreshToken === null ? {} : { idpRefreshToken: new Uint8Array(idpRefreshToken) }),
      },
    });
  }

  /** Validity facts of the given login sessions (for the live-session sweep). */
  validity(
    ids: readonly string[],
  ): Promise<
    Array<{ id: string; revokedAt: Date | null; revokeReason: string | null; expiresAt: Date }>
  > {
    if (ids.length === 0) return Promise.resolve([]);
    return this.prisma.client.loginSession.findMany({
      where: { id: { in: [...ids] } },
      select: { id: true, revokedAt: true, revokeReason: true, expiresAt: true },
    });
  }
}

function bytes(buffer: Buffer | null): Uint8Array<ArrayBuffer> | null {
  return buffer === null ? null : new Uint8Array(buffer);
}
