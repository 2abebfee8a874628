// What the export needs beyond the audit chain: the accountable owners of service accounts.
import { Injectable } from "@nestjs/common";
import { PrismaService } from "../db/prisma.service";

@Injectable()
export class ExportRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The current owner of each of these service accounts that has one, by account id. */
  async ownersOf(userIds: readonly string[]): Promise<Map<string, { id: string; name: string }>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.prisma.client.user.findMany({
      where: { id: { in: [...userIds] }, kind: "service_account", ownerId: { not: null } },
      select: { id: true, owner: { select: { id: true, name: true } } },
    });
    const owners = new Map<string, { id: string; name: string }>();
    for (const row of rows) if (row.owner !== null) owners.set(row.id, row.owner);
    return owners;
  }
}
