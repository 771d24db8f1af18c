-- Built concurrently, in a migration of its own, so ingest keeps writing statements meanwhile.
-- Serves the accepted count per connection, and ON DELETE SET NULL when a connection goes.
-- CreateIndex
CREATE INDEX CONCURRENTLY IF NOT EXISTS "statements_connection_id_stored_idx" ON "statements"("connection_id", "stored");
