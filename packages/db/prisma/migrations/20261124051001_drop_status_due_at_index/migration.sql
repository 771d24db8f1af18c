-- Replaced by planned_nudges_planned_due_at_idx (previous migration).
-- DropIndex
DROP INDEX CONCURRENTLY IF EXISTS "planned_nudges_status_due_at_idx";
