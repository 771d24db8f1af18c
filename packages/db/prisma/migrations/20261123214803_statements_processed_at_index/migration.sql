-- Built concurrently, in a migration of its own, so ingest keeps writing statements meanwhile.
-- CreateIndex
CREATE INDEX CONCURRENTLY IF NOT EXISTS "statements_processed_at_stored_idx" ON "statements"("processed_at", "stored");
