-- Steps the planner left out when a plan started (no manager or team lead known, ...) are kept on
-- the plan, with their reason, instead of as "skipped" planned_nudges rows: such a row never gets a
-- job, yet cost a row, three index entries and a foreign-key check on every plan's write
-- (docs/decisions/0014-skipped-steps-on-the-plan.md). Rows skipped before this release stay rows;
-- readers take both.

-- AlterTable
ALTER TABLE "plans" ADD COLUMN "skipped_steps" JSONB;
