import type { Rule } from "@beklijf/rules";

import type { PrismaClient } from "../client";
import { countApiTokens, createApiToken } from "./api-tokens";
import { syncRuleSetIn } from "./rules";
import { DEFAULT_TENANT_SLUG, ensureTenant, type TenantView } from "./tenants";

/** Arbitrary but fixed: the advisory lock that serialises start-up seeding across processes. */
const BOOTSTRAP_LOCK_KEY = 4_711_020_001;

export interface BootstrapResult {
  readonly tenant: TenantView;
  /** Rules that were installed or got a new version from the pack. */
  readonly changedRules: string[];
  /** Rules whose pack text changed but whose current version L&D edited: the edit was kept. */
  readonly keptEditedRules: string[];
  /** The first admin API token, when this call created it (show it once). */
  readonly firstAdminToken: string | undefined;
}

/**
 * Start-up seeding: the default tenant, the content pack's rules, and the first admin token when
 * there is none. Runs in one transaction under a Postgres advisory lock, so replicas starting
 * together neither race on unique keys nor create two first tokens.
 */
export async function bootstrapTenant(
  db: PrismaClient,
  input: {
    pack: { key: string; name: string; rules: readonly Rule[] };
    slug?: string;
  },
): Promise<BootstrapResult> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK_KEY})`;
    const tenant = await ensureTenant(tx, input.slug ?? DEFAULT_TENANT_SLUG);
    const sync = await syncRuleSetIn(tx, {
      tenantId: tenant.id,
      ...input.pack,
    });
    const firstAdminToken =
      (await countApiTokens(tx, tenant.id)) === 0
        ? await createApiToken(tx, {
            tenantId: tenant.id,
            name: "first admin",
            role: "admin",
          })
        : undefined;
    return {
      tenant,
      changedRules: sync.changed,
      keptEditedRules: sync.keptEdited,
      firstAdminToken,
    };
  });
}
