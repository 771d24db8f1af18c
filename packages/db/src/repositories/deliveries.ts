import type { DbClient } from "../client";

/** A delivery with what rendering needs: the nudge, its plan's trigger statement and the recipient. */
export async function getDeliveryForSend(db: DbClient, id: string) {
  return db.delivery.findUnique({
    where: { id },
    include: {
      tenant: true,
      nudge: {
        include: { recipient: true, plan: { include: { trigger: true } } },
      },
    },
  });
}

export type DeliveryForSend = NonNullable<
  Awaited<ReturnType<typeof getDeliveryForSend>>
>;

/** Marks an attempt; returns false when the delivery is already sent or finished otherwise. */
export async function startDeliveryAttempt(
  db: DbClient,
  id: string,
): Promise<boolean> {
  const updated = await db.delivery.updateMany({
    where: { id, status: { in: ["queued", "sending"] } },
    data: { status: "sending", attempts: { increment: 1 } },
  });
  return updated.count === 1;
}

export async function markDeliverySent(
  db: DbClient,
  id: string,
  input: { messageId: string; at: Date },
): Promise<void> {
  await db.delivery.update({
    where: { id },
    data: {
      status: "sent",
      messageId: input.messageId,
      sentAt: input.at,
      lastError: null,
    },
  });
}

export async function markDeliveryFailed(
  db: DbClient,
  id: string,
  input: { status: "failed" | "suppressed"; error: string },
): Promise<void> {
  await db.delivery.update({
    where: { id },
    data: { status: input.status, lastError: input.error },
  });
}

export async function recordDeliveryError(
  db: DbClient,
  id: string,
  error: string,
): Promise<void> {
  await db.delivery.update({ where: { id }, data: { lastError: error } });
}

/**
 * Deliveries still to send ("queued" or "sending") created more than `olderThanSeconds` ago
 * (Postgres time, like `created_at`), for the reconciler to make sure each has a job.
 */
export async function listUnsentDeliveries(
  db: DbClient,
  options: { olderThanSeconds: number; limit: number; afterId?: string },
): Promise<{ id: string }[]> {
  const afterId = options.afterId ?? "00000000-0000-0000-0000-000000000000";
  return db.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM deliveries
    WHERE status IN ('queued', 'sending')
      AND created_at <= now() - make_interval(secs => ${options.olderThanSeconds})
      AND id > ${afterId}::uuid
    ORDER BY id
    LIMIT ${options.limit}`;
}

/** A delivery with its recipient, for the pages behind the links in its email. */
export async function getDeliveryForLink(db: DbClient, id: string) {
  return db.delivery.findUnique({
    where: { id },
    include: { nudge: { include: { recipient: true } } },
  });
}
