-- AlterTable
ALTER TABLE "deliveries" ADD COLUMN     "attempt_started_at" TIMESTAMPTZ(3);
