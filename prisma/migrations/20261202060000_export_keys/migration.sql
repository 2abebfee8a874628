-- Export-only API keys for SIEM collectors (issue 8, docs/design/0010-audit.md): a key with
-- scopes = {export} may only pull the audit trail, whatever its holder's role allows. Like
-- every Prisma scalar list, the column is nullable in SQL; Prisma always writes an array.

-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[];
