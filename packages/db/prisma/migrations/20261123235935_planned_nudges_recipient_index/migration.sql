-- Built concurrently, in a migration of its own, so the engine keeps writing nudges meanwhile.
-- It serves the caps, merging and history look-ups per recipient.
-- CreateIndex
CREATE INDEX CONCURRENTLY IF NOT EXISTS "planned_nudges_recipient_person_id_status_due_at_idx" ON "planned_nudges"("recipient_person_id", "status", "due_at");
