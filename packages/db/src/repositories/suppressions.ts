import type { DbClient } from "../client";

export async function isSuppressed(
  db: DbClient,
  tenantId: string,
  address: string,
): Promise<boolean> {
  const row = await db.suppression.findUnique({
    where: { tenantId_address: { tenantId, address: address.toLowerCase() } },
  });
  return row !== null;
}

/** Adds an address to the suppression list; idempotent. */
export async function suppressAddress(
  db: DbClient,
  input: {
    tenantId: string;
    address: string;
    reason: "unsubscribed" | "bounced" | "complained";
  },
): Promise<void> {
  const address = input.address.toLowerCase();
  await db.suppression.upsert({
    where: { tenantId_address: { tenantId: input.tenantId, address } },
    update: {},
    create: { tenantId: input.tenantId, address, reason: input.reason },
  });
}

/** A tenant's suppression list, newest first (for the admin API). */
export async function listSuppressions(
  db: DbClient,
  tenantId: string,
  options: { limit: number },
): Promise<{ address: string; reason: string; createdAt: Date }[]> {
  return db.suppression.findMany({
    where: { tenantId },
    orderBy: [{ createdAt: "desc" }, { address: "asc" }],
    take: options.limit,
    select: { address: true, reason: true, createdAt: true },
  });
}
