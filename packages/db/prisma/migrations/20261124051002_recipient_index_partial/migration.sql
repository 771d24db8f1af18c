-- Partial (rows with a recipient person), built concurrently in a migration of its own: caps,
-- merging and timelines look nudges up by person, never by a missing one. Replaces
-- planned_nudges_recipient_person_id_status_due_at_idx (dropped next).
-- CreateIndex
CREATE INDEX CONCURRENTLY IF NOT EXISTS "planned_nudges_recipient_idx" ON "planned_nudges"("recipient_person_id", "status", "due_at") WHERE "recipient_person_id" IS NOT NULL;
