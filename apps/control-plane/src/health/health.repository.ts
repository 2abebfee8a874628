import { Injectable } from "@nestjs/common";
import { PrismaService } from "../db/prisma.service";

@Injectable()
export class HealthRepository {
  constructor(private readonly prisma: PrismaService) {}

  async selectOne(): Promise<void> {
    await this.prisma.client.$queryRaw`SELECT 1`;
  }
}
