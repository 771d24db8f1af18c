import { parsePolicy, Policy } from "@beklijf/rules";

import type { DbClient, Prisma } from "../client";

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
  if (tenant === null) return null;
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
