-- AlterTable
ALTER TABLE "planned_nudges" ADD COLUMN     "merged_into_delivery_id" UUID;

-- AddForeignKey
ALTER TABLE "planned_nudges" ADD CONSTRAINT "planned_nudges_merged_into_delivery_id_fkey" FOREIGN KEY ("merged_into_delivery_id") REFERENCES "deliveries"("id") ON DELETE SET NULL ON UPDATE CASCADE;
