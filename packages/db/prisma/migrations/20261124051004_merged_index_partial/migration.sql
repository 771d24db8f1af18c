-- Partial (merged rows only), built concurrently in a migration of its own: the mailer finds the
-- nudges merged into a delivery: most rows are never merged and need no entry. Replaces
-- planned_nudges_merged_into_delivery_id_idx (dropped next).
-- CreateIndex
CREATE INDEX CONCURRENTLY IF NOT EXISTS "planned_nudges_merged_idx" ON "planned_nudges"("merged_into_delivery_id") WHERE "merged_into_delivery_id" IS NOT NULL;
