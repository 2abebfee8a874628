import { Module } from "@nestjs/common";
import { PrismaService } from "./prisma.service";

/** The store. Feature modules import it for their repositories. */
@Module({
  providers: [PrismaService],
  exports: [PrismaService],
})
export class DbModule {}
