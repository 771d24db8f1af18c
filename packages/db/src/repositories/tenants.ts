import type { DbClient } from "../client";

export const DEFAULT_TENANT_SLUG = "default";

export interface TenantView {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly defaultLocale: string;
  readonly defaultTimeZone: string;
  readonly mailFrom: string | null;
}

/** The tenant with this slug, created with Dutch defaults when missing. Safe to call concurrently. */
export async function ensureTenant(
  db: DbClient,
  slug: string = DEFAULT_TENANT_SLUG,
  name = "Default organisation",
): Promise<TenantView> {
  return db.tenant.upsert({
    where: { slug },
    update: {},
    create: { slug, name },
  });
}

export async function getTenant(
  db: DbClient,
  id: string,
): Promise<TenantView | null> {
  return db.tenant.findUnique({ where: { id } });
}
