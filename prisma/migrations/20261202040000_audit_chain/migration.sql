-- Tamper-evident audit (issue 8, docs/design/0010-audit.md): the chain fields of
-- audit_events (filled by the sealer), who/where/what columns for SIEM export, signed
-- checkpoints, and the cursors of push sinks.

-- AlterTable
ALTER TABLE "audit_events" ADD COLUMN "connector_name" TEXT,
ADD COLUMN "source_address" TEXT,
ADD COLUMN "correlation_id" TEXT,
ADD COLUMN "command" TEXT,
ADD COLUMN "rule_ids" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN "seq" BIGINT,
ADD COLUMN "prev_hash" BYTEA,
ADD COLUMN "hash" BYTEA;

-- CreateTable
CREATE TABLE "audit_checkpoints" (
    "seq" BIGINT NOT NULL,
    "hash" BYTEA NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "key_id" TEXT NOT NULL,
    "signature" BYTEA NOT NULL,

    CONSTRAINT "audit_checkpoints_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "audit_sink_cursors" (
    "sink" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "audit_sink_cursors_pkey" PRIMARY KEY ("sink")
);

-- CreateIndex
CREATE UNIQUE INDEX "audit_events_seq_key" ON "audit_events"("seq");

-- CreateIndex
CREATE INDEX "audit_events_correlation_id_idx" ON "audit_events"("correlation_id");
