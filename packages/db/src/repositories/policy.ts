import { parsePolicy, Policy } from "@beklijf/rules";

import type { DbClient, Prisma } from "../client";
import type { TenantView } from "./tenants";

/**
 * The tenant's sending policy. A tenant without a stored policy gets the defaults of DOMAIN.md
 * (weekdays 08:00-18:00, one email a day, two a week) in its default time zone. A stored policy
 * that no longer parses (a hand edit) also falls back to the defaults, so sending never stops
 * on it; `setTenantPolicy` refuses such a policy on the way in.
 */
export async function getTenantPolicy(
  db: DbClient,
  tenantId: string,
): Promise<Policy | null> {
  const tenant = await db.tenant.findUnique({
    where: { id: tenantId },
    select: { policy: true, defaultTimeZone: true },
  });
  return tenant === null ? null : tenantPolicy(tenant);
}

/** The policy stored on a tenant row, with the fallbacks of `getTenantPolicy`. */
export function tenantPolicy(tenant: {
  policy: unknown;
  defaultTimeZone: string;
}): Policy {
  const stored =
    typeof tenant.policy === "object" &&
    tenant.policy !== null &&
    !Array.isArray(tenant.policy)
      ? tenant.policy
      : {};
  const parsed = parsePolicy({ timeZone: tenant.defaultTimeZone, ...stored });
  return parsed.ok
    ? parsed.value
    : Policy.parse({ timeZone: tenant.defaultTimeZone });
}

/** Stores a validated policy for the tenant (the caller parsed it with `parsePolicy`). */
export async function setTenantPolicy(
  db: DbClient,
  tenantId: string,
  policy: Policy,
): Promise<void> {
  await db.tenant.update({
    where: { id: tenantId },
    data: {
      policy: JSON.parse(JSON.stringify(policy)) as Prisma.InputJsonObject,
    },
  });
}

/** The tenant and its policy in one query (the engine's per-tenant snapshot). */
export async function getTenantAndPolicy(
  db: DbClient,
  tenantId: string,
): Promise<{ tenant: TenantView; policy: Policy } | null> {
  const tenant = await db.tenant.findUnique({ where: { id: tenantId } });
  return tenant === null ? null : { tenant, policy: tenantPolicy(tenant) };
}
