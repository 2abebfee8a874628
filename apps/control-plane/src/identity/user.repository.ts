import { Injectable } from "@nestjs/common";
import { type Db, type DbTx, PrismaService } from "../db/prisma.service";
import { isUniqueViolation } from "../db/prisma-errors";
import { Conflict } from "../errors/domain-errors";
import type { GroupSource, Role, User, UserKind } from "../generated/prisma/client";

export type UserRecord = User;
/** A user with their owner and the names of their groups (in no particular order). */
export type UserWithGroups = User & {
  owner: { id: string; name: string } | null;
  groups: Array<{ group: { name: string } }>;
};

export interface NewUser {
  name: string;
  role: Role;
  kind: UserKind;
  displayName?: string | null;
  ownerId?: string | null;
  idpIssuer?: string | null;
  idpSubject?: string | null;
  email?: string | null;
  lastLoginAt?: Date | null;
}

/** Columns an admin may change; absent keys stay as they are. */
export interface UserChanges {
  role?: Role;
  displayName?: string | null;
  disabledAt?: Date | null;
  ownerId?: string;
  name?: string;
  email?: string | null;
  lastLoginAt?: Date;
}

const withGroups = {
  owner: { select: { id: true, name: true } },
  groups: { select: { group: { select: { name: true } } } },
} as const;

/** Key of the advisory lock that serialises changes that could leave no enabled admin. */
const ADMINS_LOCK = "airlock:admins";

@Injectable()
export class UserRepository {
  constructor(private readonly prisma: PrismaService) {}

  findByName(name: string, tx?: Db): Promise<UserRecord | null> {
    return (tx ?? this.prisma.client).user.findUnique({ where: { name } });
  }

  findByIdp(issuer: string, subject: string, tx?: Db): Promise<UserRecord | null> {
    return (tx ?? this.prisma.client).user.findUnique({
      where: { idpIssuer_idpSubject: { idpIssuer: issuer, idpSubject: subject } },
    });
  }

  findById(id: string, tx?: Db): Promise<UserRecord | null> {
    return (tx ?? this.prisma.client).user.findUnique({ where: { id } });
  }

  findByNameWithGroups(name: string, tx?: Db): Promise<UserWithGroups | null> {
    return (tx ?? this.prisma.client).user.findUnique({ where: { name }, include: withGroups });
  }

  findByIdWithGroups(id: string, tx?: Db): Promise<UserWithGroups | null> {
    return (tx ?? this.prisma.client).user.findUnique({ where: { id }, include: withGroups });
  }

  /** Every user with their groups, by name. */
  listWithGroups(tx?: Db): Promise<UserWithGroups[]> {
    return (tx ?? this.prisma.client).user.findMany({
      include: withGroups,
      orderBy: { name: "asc" },
    });
  }

  /** Conflict when the name is taken. */
  async create(data: NewUser, tx?: Db): Promise<UserRecord> {
    try {
      return await (tx ?? this.prisma.client).user.create({ data });
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`a user named "${data.name}" already exists`);
      throw err;
    }
  }

  update(id: string, changes: UserChanges, tx?: Db): Promise<UserRecord> {
    return (tx ?? this.prisma.client).user.update({ where: { id }, data: changes });
  }

  setRole(id: string, role: Role, tx?: Db): Promise<UserRecord> {
    return (tx ?? this.prisma.client).user.update({ where: { id }, data: { role } });
  }

  /**
   * Makes `names` the user's whole set of groups from `source` (an admin's, or the IdP's at
   * login), creating the groups that do not exist yet; memberships from the other source
   * stay. Runs in one transaction (the given one, or its own).
   */
  async replaceGroups(
    userId: string,
    names: readonly string[],
    tx?: DbTx,
    source: GroupSource = "admin",
  ): Promise<void> {
    const run = async (db: DbTx): Promise<void> => {
      let groupIds: string[] = [];
      if (names.length > 0) {
        await db.group.createMany({ data: names.map((name) => ({ name })), skipDuplicates: true });
        const groups = await db.group.findMany({
          where: { name: { in: [...names] } },
          select: { id: true },
        });
        groupIds = groups.map((group) => group.id);
      }
      await db.userGroup.deleteMany({ where: { userId, source } });
      if (groupIds.length > 0) {
        await db.userGroup.createMany({
          data: groupIds.map((groupId) => ({ userId, groupId, source })),
          skipDuplicates: true,
        });
      }
    };
    await (tx === undefined ? this.prisma.transaction(run) : run(tx));
  }

  async groupNames(userId: string, tx?: Db): Promise<string[]> {
    const rows = await (tx ?? this.prisma.client).userGroup.findMany({
      where: { userId },
      select: { group: { select: { name: true } } },
      orderBy: { group: { name: "asc" } },
    });
    return rows.map((row) => row.group.name);
  }

  /** Ids of the service accounts `ownerId` owns. */
  async ownedBy(ownerId: string): Promise<string[]> {
    const rows = await this.prisma.client.user.findMany({
      where: { ownerId, kind: "service_account" },
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }

  /** Which of the given users are disabled (for the live-session sweep). */
  async disabledAmong(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.prisma.client.user.findMany({
      where: { id: { in: [...ids] }, disabledAt: { not: null } },
      select: { id: true },
    });
    return new Set(rows.map((r) => r.id));
  }

  /** Enabled admins other than `exceptId`. */
  countEnabledAdmins(exceptId: string, tx?: Db): Promise<number> {
    return (tx ?? this.prisma.client).user.count({
      where: { role: "admin", disabledAt: null, id: { not: exceptId } },
    });
  }

  /** Holds a transaction-scoped advisory lock; call first in a transaction that demotes or disables. */
  async lockAdmins(tx: DbTx): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${ADMINS_LOCK}))`;
  }
}
