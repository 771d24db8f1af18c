-- Replaced by planned_nudges_merged_idx (previous migration).
-- DropIndex
DROP INDEX CONCURRENTLY IF EXISTS "planned_nudges_merged_into_delivery_id_idx";
