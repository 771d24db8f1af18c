-- Built concurrently, in a migration of its own: the fire-time check reads a plan's answers by nudge.
-- CreateIndex
CREATE INDEX CONCURRENTLY IF NOT EXISTS "answers_planned_nudge_id_idx" ON "answers"("planned_nudge_id");
