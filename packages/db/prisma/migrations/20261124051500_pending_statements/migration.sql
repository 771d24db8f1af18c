-- ADR 0011: what the engine still has to do lives in a narrow table of its own instead of
-- statements.processed_at, so finishing a statement deletes a narrow row instead of writing a
-- new version of the wide statements row (raw JSON included) into all of its indexes.
-- CreateTable
CREATE TABLE "pending_statements" (
    "tenant_id" UUID NOT NULL,
    "statement_id" UUID NOT NULL,
    "stored" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "pending_statements_pkey" PRIMARY KEY ("tenant_id","statement_id")
);

-- Statements the engine had not finished stay its work. (A statement an ingest of the previous
-- release stores after this copy and before the column is dropped would get no row: upgrade with
-- ingest stopped, or let the next people import or a replay pick it up.)
INSERT INTO "pending_statements" ("tenant_id", "statement_id", "stored")
SELECT "tenant_id", "id", "stored" FROM "statements" WHERE "processed_at" IS NULL;

-- DropIndex
DROP INDEX IF EXISTS "statements_processed_at_stored_idx";

-- AlterTable
ALTER TABLE "statements" DROP COLUMN "processed_at";
