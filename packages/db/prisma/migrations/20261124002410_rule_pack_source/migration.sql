-- AlterTable
ALTER TABLE "rule_versions" ADD COLUMN     "source" TEXT NOT NULL DEFAULT 'edited';

-- AlterTable
ALTER TABLE "rules" ADD COLUMN     "pack_hash" TEXT;

-- Versions written before the source was recorded cannot be told apart. Version 1 always came
-- from the pack sync. Later ones stay "edited", so a console edit is never overwritten by the pack
-- (a pack upgrade of such a rule is then reported at start-up rather than applied).
UPDATE "rule_versions" SET "source" = 'pack' WHERE "version" = 1;
