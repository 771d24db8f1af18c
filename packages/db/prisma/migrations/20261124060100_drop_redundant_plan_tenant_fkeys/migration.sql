-- The plan write checked these two foreign keys for every plan and every planned nudge, each
-- check a key-share lock on the tenant's one row that all engine workers share. Neither adds
-- anything: a plan's (tenant_id, trigger_statement_id) key to statements proves the tenant, and a
-- nudge's tenant_id is its plan's. Deleting a tenant still removes both: tenants -> statements /
-- people -> plans -> planned_nudges all cascade (docs/decisions/0012-no-redundant-plan-foreign-keys.md).

-- DropForeignKey
ALTER TABLE "planned_nudges" DROP CONSTRAINT IF EXISTS "planned_nudges_tenant_id_fkey";

-- DropForeignKey
ALTER TABLE "plans" DROP CONSTRAINT IF EXISTS "plans_tenant_id_fkey";
