-- OIDC login (issue 7, docs/design/0009-oidc-login.md): users linked to their IdP
-- identity, where each group membership came from, login sessions and their single-use
-- refresh tokens.

-- CreateEnum
CREATE TYPE "GroupSource" AS ENUM ('admin', 'idp');

-- AlterTable
ALTER TABLE "users" ADD COLUMN "idp_issuer" TEXT,
ADD COLUMN "idp_subject" TEXT,
ADD COLUMN "email" TEXT,
ADD COLUMN "last_login_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "user_groups" ADD COLUMN "source" "GroupSource" NOT NULL DEFAULT 'admin';

-- CreateTable
CREATE TABLE "login_sessions" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "revoke_reason" TEXT,
    "idp_refresh_token" BYTEA,
    "idp_checked_at" TIMESTAMPTZ(3),
    "last_refreshed_at" TIMESTAMPTZ(3),

    CONSTRAINT "login_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refresh_tokens" (
    "id" UUID NOT NULL,
    "login_session_id" UUID NOT NULL,
    "prefix" TEXT NOT NULL,
    "secret_hash" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "used_at" TIMESTAMPTZ(3),

    CONSTRAINT "refresh_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_idp_issuer_idp_subject_key" ON "users"("idp_issuer", "idp_subject");

-- CreateIndex
CREATE INDEX "login_sessions_user_id_idx" ON "login_sessions"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "refresh_tokens_prefix_key" ON "refresh_tokens"("prefix");

-- CreateIndex
CREATE INDEX "refresh_tokens_login_session_id_idx" ON "refresh_tokens"("login_session_id");

-- AddForeignKey
ALTER TABLE "login_sessions" ADD CONSTRAINT "login_sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_login_session_id_fkey" FOREIGN KEY ("login_session_id") REFERENCES "login_sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
