-- Audit push sinks (docs/design/0010-audit.md, "Export (push)"): webhooks and syslog
-- receivers that sealed events are delivered to, each from its cursor in audit_sink_cursors.

-- CreateEnum
CREATE TYPE "AuditSinkKind" AS ENUM ('webhook', 'syslog');

-- CreateEnum
CREATE TYPE "AuditSinkFormat" AS ENUM ('ocsf', 'cef', 'jsonl');

-- CreateEnum
CREATE TYPE "SyslogTransport" AS ENUM ('tcp', 'tls');

-- CreateTable
CREATE TABLE "audit_sinks" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "AuditSinkKind" NOT NULL,
    "format" "AuditSinkFormat" NOT NULL,
    "url" TEXT,
    "secret_ciphertext" BYTEA,
    "syslog_host" TEXT,
    "syslog_port" INTEGER,
    "syslog_transport" "SyslogTransport",
    "syslog_ca_pem" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "last_error_at" TIMESTAMPTZ(3),
    "last_delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "audit_sinks_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "audit_sinks_name_key" ON "audit_sinks"("name");
