import type { DbClient, PrismaClient } from "../client";
import { addOutboxEvents, type OutboxEntry } from "./outbox";

/** Everything the fire-time re-check decides from, read from Postgres (never from the job). */
export async function getNudgeForFire(db: DbClient, id: string) {
  return db.plannedNudge.findUnique({
    where: { id },
    include: {
      plan: {
        include: {
          ruleVersion: true,
          trigger: true,
          person: {
            select: {
              id: true,
              active: true,
              managerId: true,
              teamLeadId: true,
              preference: { select: { stoppedActivities: true } },
            },
          },
        },
      },
      recipient: { include: { preference: true } },
      delivery: true,
    },
  });
}

export type NudgeForFire = NonNullable<
  Awaited<ReturnType<typeof getNudgeForFire>>
>;

/** The kinds of answer given through any nudge of the plan ("applied", "reflection", ...). */
export async function listPlanAnswerKinds(
  db: DbClient,
  planId: string,
): Promise<{ kind: string }[]> {
  return db.answer.findMany({
    where: { nudge: { planId } },
    select: { kind: true },
  });
}

/** Who a nudge goes to: a person, or a fixed address. */
export type NudgeRecipientRef =
  { readonly personId: string } | { readonly address: string };

function recipientWhere(recipient: NudgeRecipientRef) {
  return "personId" in recipient
    ? { recipientPersonId: recipient.personId }
    : { recipientAddress: recipient.address };
}

/**
 * When emails went out to this recipient since `since` (each email once: nudges that rode along
 * in another email are not counted), for the fire-time caps.
 */
export async function listSentAt(
  db: DbClient,
  tenantId: string,
  recipient: NudgeRecipientRef,
  since: Date,
): Promise<Date[]> {
  const rows = await db.plannedNudge.findMany({
    where: {
      tenantId,
      ...recipientWhere(recipient),
      status: "handed-off",
      mergedIntoDeliveryId: null,
      firedAt: { gte: since },
    },
    select: { firedAt: true },
  });
  return rows.flatMap((row) => (row.firedAt === null ? [] : [row.firedAt]));
}

/** Other planned nudges of the recipient due in [from, to): candidates to ride in one email. */
export async function listMergeCandidates(
  db: DbClient,
  input: {
    tenantId: string;
    recipient: NudgeRecipientRef;
    from: Date;
    to: Date;
    excludeId: string;
  },
) {
  return db.plannedNudge.findMany({
    where: {
      tenantId: input.tenantId,
      ...recipientWhere(input.recipient),
      status: "planned",
      dueAt: { gte: input.from, lt: input.to },
      id: { not: input.excludeId },
    },
    include: { plan: { include: { ruleVersion: true, trigger: true } } },
    orderBy: { dueAt: "asc" },
  });
}

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
 * Moves a still-planned nudge to a later `dueAt` (a cap or the send window at fire time), keeping
 * why in `reason`. Returns false when it had already left "planned".
 */
export async function moveNudge(
  db: DbClient,
  id: string,
  dueAt: Date,
  reason: string,
): Promise<boolean> {
  const moved = await db.plannedNudge.updateMany({
    where: { id, status: "planned" },
    data: { dueAt, reason },
  });
  return moved.count > 0;
}

/**
 * Hands a nudge to the mailer: the delivery row (at most one per nudge) and its outbox entry
 * commit together with the status change. Returns the delivery id, or null when the nudge had
 * already left "planned" (a replayed job, or it rode along in another nudge's email).
 *
 * With `merge`, the listed nudges (same recipient, same local day) that are still planned ride in
 * the same email: they become handed-off with `mergedIntoDeliveryId` and `merge.reason`. A lock
 * per recipient makes two nudges firing at once end up in one email, not two.
 */
export async function handOffNudge(
  db: PrismaClient,
  input: {
    nudgeId: string;
    tenantId: string;
    toAddress: string;
    at: Date;
    handOff: (deliveryId: string) => OutboxEntry;
    merge?: {
      readonly lockKey: string;
      readonly ids: readonly string[];
      readonly reason: string;
    };
  },
): Promise<string | null> {
  return db.$transaction(async (tx) => {
    if (input.merge !== undefined)
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`nudge-recipient|${input.merge.lockKey}`}, 0))`;
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
    if (input.merge !== undefined && input.merge.ids.length > 0)
      await tx.plannedNudge.updateMany({
        where: { id: { in: [...input.merge.ids] }, status: "planned" },
        data: {
          status: "handed-off",
          firedAt: input.at,
          mergedIntoDeliveryId: delivery.id,
          reason: input.merge.reason,
        },
      });
    await addOutboxEvents(tx, [input.handOff(delivery.id)]);
    return delivery.id;
  });
}
