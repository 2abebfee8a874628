-- Approvals: held commands, access grants, audit events, webhooks (docs/design/0006-approvals.md).

-- AlterEnum
ALTER TYPE "CommandStatus" ADD VALUE 'held';
ALTER TYPE "CommandStatus" ADD VALUE 'rejected';
ALTER TYPE "CommandStatus" ADD VALUE 'expired';
ALTER TYPE "CommandStatus" ADD VALUE 'cancelled';

-- CreateEnum
CREATE TYPE "ReviewKind" AS ENUM ('command', 'grant');
CREATE TYPE "ReviewStatus" AS ENUM ('pending', 'approved', 'rejected', 'expired', 'executed', 'cancelled');
CREATE TYPE "ReviewVerdict" AS ENUM ('approve', 'reject');
CREATE TYPE "GrantStatus" AS ENUM ('active', 'expired', 'revoked');
CREATE TYPE "DeliveryStatus" AS ENUM ('pending', 'delivered', 'failed');

-- AlterTable
ALTER TABLE "commands" ADD COLUMN "review_id" TEXT;

-- CreateTable
CREATE TABLE "reviews" (
    "id" TEXT NOT NULL,
    "kind" "ReviewKind" NOT NULL,
    "status" "ReviewStatus" NOT NULL DEFAULT 'pending',
    "requester_id" UUID NOT NULL,
    "connection_id" UUID,
    "connection_name" TEXT NOT NULL,
    "session_id" UUID,
    "command_seq" INTEGER,
    "protocol" TEXT,
    "sql" TEXT,
    "params" JSONB,
    "grant_role" TEXT,
    "grant_duration_seconds" INTEGER,
    "grant_policies" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "rule_id" TEXT NOT NULL,
    "approver_groups" TEXT[],
    "break_glass_groups" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "min_approvals" INTEGER NOT NULL,
    "require_justification" BOOLEAN NOT NULL DEFAULT false,
    "justification" TEXT,
    "notify" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "decided_at" TIMESTAMPTZ(3),
    "decided_by_id" UUID,
    "decision_reason" TEXT,
    "break_glass" BOOLEAN NOT NULL DEFAULT false,
    "executed_at" TIMESTAMPTZ(3),
    "execution_session_id" UUID,

    CONSTRAINT "reviews_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "review_votes" (
    "id" BIGSERIAL NOT NULL,
    "review_id" TEXT NOT NULL,
    "voter_id" UUID NOT NULL,
    "verdict" "ReviewVerdict" NOT NULL,
    "reason" TEXT,
    "break_glass" BOOLEAN NOT NULL DEFAULT false,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "review_votes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "grants" (
    "id" TEXT NOT NULL,
    "review_id" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "connection_id" UUID,
    "connection_name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "policies" TEXT[],
    "status" "GrantStatus" NOT NULL DEFAULT 'active',
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),
    "revoked_by_id" UUID,
    "revoke_reason" TEXT,

    CONSTRAINT "grants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_id" UUID,
    "actor_name" TEXT,
    "actor_kind" TEXT,
    "session_id" UUID,
    "review_id" TEXT,
    "grant_id" TEXT,
    "connection_name" TEXT,
    "data" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhooks" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "secret_ciphertext" BYTEA NOT NULL,
    "all" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhooks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "webhook_id" UUID NOT NULL,
    "event" TEXT NOT NULL,
    "review_id" TEXT,
    "payload" JSONB NOT NULL,
    "status" "DeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_status" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),
    "failed_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "reviews_status_expires_at_idx" ON "reviews"("status", "expires_at");
CREATE INDEX "reviews_requester_id_created_at_idx" ON "reviews"("requester_id", "created_at");
CREATE UNIQUE INDEX "review_votes_review_id_voter_id_key" ON "review_votes"("review_id", "voter_id");
CREATE UNIQUE INDEX "grants_review_id_key" ON "grants"("review_id");
CREATE INDEX "grants_user_id_status_idx" ON "grants"("user_id", "status");
CREATE INDEX "grants_status_expires_at_idx" ON "grants"("status", "expires_at");
CREATE INDEX "audit_events_review_id_idx" ON "audit_events"("review_id");
CREATE INDEX "audit_events_session_id_idx" ON "audit_events"("session_id");
CREATE INDEX "audit_events_grant_id_idx" ON "audit_events"("grant_id");
CREATE INDEX "audit_events_at_idx" ON "audit_events"("at");
CREATE UNIQUE INDEX "webhooks_name_key" ON "webhooks"("name");
CREATE INDEX "webhook_deliveries_status_created_at_idx" ON "webhook_deliveries"("status", "created_at");
CREATE INDEX "webhook_deliveries_webhook_id_created_at_idx" ON "webhook_deliveries"("webhook_id", "created_at");

-- AddForeignKey
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_requester_id_fkey" FOREIGN KEY ("requester_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "review_votes" ADD CONSTRAINT "review_votes_review_id_fkey" FOREIGN KEY ("review_id") REFERENCES "reviews"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "review_votes" ADD CONSTRAINT "review_votes_voter_id_fkey" FOREIGN KEY ("voter_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "grants" ADD CONSTRAINT "grants_review_id_fkey" FOREIGN KEY ("review_id") REFERENCES "reviews"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "grants" ADD CONSTRAINT "grants_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "grants" ADD CONSTRAINT "grants_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
