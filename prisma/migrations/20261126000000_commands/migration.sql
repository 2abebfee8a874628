-- CreateEnum
CREATE TYPE "CommandDecision" AS ENUM ('allow', 'deny', 'review');

-- CreateEnum
CREATE TYPE "CommandStatus" AS ENUM ('pending', 'ok', 'error', 'blocked', 'skipped', 'interrupted');

-- AlterTable
ALTER TABLE "connections" ADD COLUMN     "options" JSONB NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "commands" (
    "id" BIGSERIAL NOT NULL,
    "session_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "protocol" TEXT NOT NULL,
    "sql" TEXT NOT NULL,
    "params" JSONB,
    "decision" "CommandDecision" NOT NULL,
    "rule_ids" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "reasons" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "status" "CommandStatus" NOT NULL DEFAULT 'pending',
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "completed_at" TIMESTAMPTZ(3),
    "duration_ms" DOUBLE PRECISION,
    "row_count" BIGINT,
    "command_tag" TEXT,
    "error_code" TEXT,
    "error_message" TEXT,
    "copy_direction" TEXT,
    "copy_bytes" BIGINT,

    CONSTRAINT "commands_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "commands_received_at_idx" ON "commands"("received_at");

-- CreateIndex
CREATE UNIQUE INDEX "commands_session_id_seq_key" ON "commands"("session_id", "seq");

-- AddForeignKey
ALTER TABLE "commands" ADD CONSTRAINT "commands_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
