-- Service accounts and API keys for agents (issue 7): a service account's owner (a
-- human), and the connections an API key may open sessions on (empty: any). Like every
-- Prisma scalar list, the column is nullable in SQL (Prisma cannot declare a list NOT NULL
-- and test/schema compares the two); existing rows get the default and Prisma always writes
-- an array.

-- AlterTable
ALTER TABLE "users" ADD COLUMN "owner_id" UUID;

-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN "connections" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
