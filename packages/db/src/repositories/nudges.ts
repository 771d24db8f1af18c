import type { DbClient, PrismaClient } from "../client";
import { addOutboxEvents, type OutboxEntry } from "./outbox";

/** Everything the fire-time re-check decides from, read from Postgres (never from the job). */
export async function getNudgeForFire(db: DbClient, id: string) {
  return db.plannedNudge.findUnique({
    where: { id },
    include: {
      plan: true,
      recipient: { include: { preference: true } },
      delivery: true,
    },
  });
}

export type NudgeForFire = NonNullable<
  Awaited<ReturnType<typeof getNudgeForFire>>
>;

/** Records that a nudge will not be sent, and why. Only a still-planned nudge changes. */
export async function skipNudge(
  db: DbClient,
  id: string,
  reason: string,
  at: Date,
): Promise<void> {
  await db.plannedNudge.updateMany({
    where: { id, status: "planned" },
    data: { status: "skipped", reason, firedAt: at },
  });
}

/**
 * Hands a nudge to the mailer: the delivery row (at most one per nudge) and its outbox entry
 * commit together with the status change. Returns the delivery id, or null when the nudge had
 * already left "planned" (a replayed job).
 */
export async function handOffNudge(
  db: PrismaClient,
  input: {
    nudgeId: string;
    tenantId: string;
    toAddress: string;
    at: Date;
    handOff: (deliveryId: string) => OutboxEntry;
  },
): Promise<string | null> {
  return db.$transaction(async (tx) => {
    const moved = await tx.plannedNudge.updateMany({
      where: { id: input.nudgeId, status: "planned" },
      data: { status: "handed-off", firedAt: input.at },
    });
    if (moved.count === 0) return null;
    const delivery = await tx.delivery.create({
      data: {
        tenantId: input.tenantId,
        plannedNudgeId: input.nudgeId,
        toAddress: input.toAddress,
      },
    });
    await addOutboxEvents(tx, [input.handOff(delivery.id)]);
    return delivery.id;
  });
}
