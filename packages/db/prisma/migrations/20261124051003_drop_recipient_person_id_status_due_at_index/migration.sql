-- Replaced by planned_nudges_recipient_idx (previous migration).
-- DropIndex
DROP INDEX CONCURRENTLY IF EXISTS "planned_nudges_recipient_person_id_status_due_at_idx";
