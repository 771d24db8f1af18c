import type { DbClient, PrismaClient } from "../client";
import { suppressAddress } from "./suppressions";

/**
 * Unsubscribe: the address goes on the suppression list and, when the email went to a known
 * person, that person stops all nudges. One transaction; repeating it changes nothing.
 */
export async function unsubscribe(
  db: PrismaClient,
  input: { tenantId: string; address: string; personId: string | null },
): Promise<void> {
  await db.$transaction(async (tx) => {
    await suppressAddress(tx, {
      tenantId: input.tenantId,
      address: input.address,
      reason: "unsubscribed",
    });
    if (input.personId !== null) await stopAllNudges(tx, input.personId);
  });
}

export async function stopAllNudges(
  db: DbClient,
  personId: string,
): Promise<void> {
  await db.preference.upsert({
    where: { personId },
    update: { stoppedAll: true },
    create: { personId, stoppedAll: true },
  });
}
