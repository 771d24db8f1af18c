-- Built concurrently, in a migration of its own, so the engine keeps writing nudges meanwhile.
-- CreateIndex
CREATE INDEX CONCURRENTLY IF NOT EXISTS "planned_nudges_merged_into_delivery_id_idx" ON "planned_nudges"("merged_into_delivery_id");
