-- AlterTable
ALTER TABLE "answers" ADD COLUMN     "forward_error" TEXT,
ADD COLUMN     "forwarded_at" TIMESTAMPTZ(3),
ADD COLUMN     "forwarded_statement_id" UUID;

-- AlterTable
ALTER TABLE "connections" ADD COLUMN     "forward_answers" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "lrs_password_sealed" TEXT,
ADD COLUMN     "lrs_username" TEXT,
ADD COLUMN     "pull_consecutive_failures" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "pull_cursor_ids" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "pull_cursor_stored" TIMESTAMPTZ(3),
ADD COLUMN     "pull_interval_seconds" INTEGER,
ADD COLUMN     "pull_last_error" TEXT,
ADD COLUMN     "pull_last_run_at" TIMESTAMPTZ(3),
ADD COLUMN     "pull_last_success_at" TIMESTAMPTZ(3),
ADD COLUMN     "pull_next_run_at" TIMESTAMPTZ(3);
