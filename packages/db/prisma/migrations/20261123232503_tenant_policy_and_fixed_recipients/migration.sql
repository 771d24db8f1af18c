-- AlterTable
ALTER TABLE "planned_nudges" ADD COLUMN     "recipient_address" TEXT;

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "policy" JSONB;
