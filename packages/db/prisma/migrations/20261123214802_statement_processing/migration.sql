-- AlterTable
ALTER TABLE "outbox_events" ADD COLUMN     "error" TEXT;

-- AlterTable
ALTER TABLE "statements" ADD COLUMN     "processed_at" TIMESTAMPTZ(3);
