import { Injectable } from "@nestjs/common";
import { type Db, PrismaService } from "../db/prisma.service";
import type { Role, User } from "../generated/prisma/client";

export type UserRecord = User;

@Injectable()
export class UserRepository {
  constructor(private readonly prisma: PrismaService) {}

  findByName(name: string, tx?: Db): Promise<UserRecord | null> {
    return (tx ?? this.prisma.client).user.findUnique({ where: { name } });
  }

  findById(id: string, tx?: Db): Promise<UserRecord | null> {
    return (tx ?? this.prisma.client).user.findUnique({ where: { id } });
  }

  create(
    data: { name: string; role: Role; kind: "human" | "service_account" },
    tx?: Db,
  ): Promise<UserRecord> {
    return (tx ?? this.prisma.client).user.create({ data });
  }

  setRole(id: string, role: Role, tx?: Db): Promise<UserRecord> {
    return (tx ?? this.prisma.client).user.update({ where: { id }, data: { role } });
  }

  async groupNames(userId: string, tx?: Db): Promise<string[]> {
    const rows = await (tx ?? this.prisma.client).userGroup.findMany({
      where: { userId },
      select: { group: { select: { name: true } } },
      orderBy: { group: { name: "asc" } },
    });
    return rows.map((row) => row.group.name);
  }
}
