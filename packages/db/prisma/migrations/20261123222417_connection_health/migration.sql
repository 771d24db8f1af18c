-- Nothing ever wrote last_seen_at, so it is renamed to last_received_at rather than dropped.
-- AlterTable
ALTER TABLE "connections" RENAME COLUMN "last_seen_at" TO "last_received_at";

-- AlterTable
ALTER TABLE "connections" ADD COLUMN     "bearer_token_hash" TEXT,
ADD COLUMN     "rate_limit_per_minute" INTEGER DEFAULT 600,
ADD COLUMN     "rejected_count" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "connection_rejections" (
    "id" BIGSERIAL NOT NULL,
    "connection_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "path" JSONB,
    "statement" JSONB,
    "statement_truncated" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "connection_rejections_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "connection_rejections_connection_id_id_idx" ON "connection_rejections"("connection_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "connections_bearer_token_hash_key" ON "connections"("bearer_token_hash");

-- AddForeignKey
ALTER TABLE "connection_rejections" ADD CONSTRAINT "connection_rejections_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;
