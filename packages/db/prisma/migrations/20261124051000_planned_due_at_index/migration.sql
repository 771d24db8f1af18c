-- Partial (only planned rows), built concurrently in a migration of its own: the reconciler's scan
-- of planned rows by dueAt. Replaces planned_nudges_status_due_at_idx (dropped next), which also
-- held every skipped, cancelled and handed-off row (docs/decisions/0010-partial-nudge-indexes.md).
-- CreateIndex
CREATE INDEX CONCURRENTLY IF NOT EXISTS "planned_nudges_planned_due_at_idx" ON "planned_nudges"("due_at") WHERE "status" = 'planned';
