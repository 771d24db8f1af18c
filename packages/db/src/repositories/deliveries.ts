import type { DbClient } from "../client";

const nudgeForRender = {
  include: {
    recipient: true,
    plan: {
      include: {
        trigger: true,
        person: { include: { manager: true } },
      },
    },
  },
} as const;

/**
 * A delivery with what rendering needs: its nudge and the nudges merged into it (by dueAt), each
 * with the recipient, the plan's learner and their manager, and the trigger statement.
 */
export async function getDeliveryForSend(db: DbClient, id: string) {
  return db.delivery.findUnique({
    where: { id },
    include: {
      tenant: true,
      nudge: nudgeForRender,
      mergedNudges: {
        ...nudgeForRender,
        orderBy: [{ dueAt: "asc" }, { id: "asc" }],
      },
    },
  });
}

export type DeliveryForSend = NonNullable<
  Awaited<ReturnType<typeof getDeliveryForSend>>
>;

export type NudgeForRender = DeliveryForSend["nudge"];

/** What `claimDeliveryAttempt` found. */
export type DeliveryClaim =
  /** The row was queued and is now "sending", stamped: hand it to SMTP. */
  | { readonly kind: "claimed" }
  /** Sent, failed, suppressed or unknown before: nothing to do. */
  | { readonly kind: "finished"; readonly status: string }
  /** Another attempt is inside SMTP right now (stamped less than `staleAfterMs` ago). */
  | { readonly kind: "in-flight"; readonly since: Date }
  /** An attempt died inside SMTP: it may or may not have been accepted. Now "unknown". */
  | { readonly kind: "outcome-unknown"; readonly since: Date };

/**
 * Claims a delivery for one SMTP attempt: queued -> sending with `attemptStartedAt = now`. A row
 * already "sending" belongs to an attempt that never recorded its outcome: while it is younger
 * than `staleAfterMs` it may still be running; older, its process died between handing the
 * message to SMTP and recording the answer, so it is marked "unknown" and never sent again.
 * This bounds duplicates to zero at the price of an email that may be lost, visibly
 * (docs/decisions/0005-at-most-one-smtp-attempt-in-doubt.md).
 */
export async function claimDeliveryAttempt(
  db: DbClient,
  id: string,
  options: { now: Date; staleAfterMs: number },
): Promise<DeliveryClaim> {
  const claimed = await db.delivery.updateMany({
    where: { id, status: "queued" },
    data: {
      status: "sending",
      attempts: { increment: 1 },
      attemptStartedAt: options.now,
    },
  });
  if (claimed.count === 1) return { kind: "claimed" };
  const row = await db.delivery.findUnique({
    where: { id },
    select: { status: true, attemptStartedAt: true },
  });
  if (row === null) return { kind: "finished", status: "gone" };
  if (row.status !== "sending") return { kind: "finished", status: row.status };
  const since = row.attemptStartedAt ?? new Date(0);
  if (options.now.getTime() - since.getTime() < options.staleAfterMs)
    return { kind: "in-flight", since };
  const marked = await db.delivery.updateMany({
    where: { id, status: "sending", attemptStartedAt: row.attemptStartedAt },
    data: {
      status: "unknown",
      lastError: `an attempt started at ${since.toISOString()} died after handing the email to SMTP; not resent, to avoid a duplicate`,
    },
  });
  return marked.count === 1
    ? { kind: "outcome-unknown", since }
    : claimDeliveryAttempt(db, id, options);
}

/** An attempt failed before SMTP accepted the email: back to queued for the next retry. */
export async function releaseDeliveryAttempt(
  db: DbClient,
  id: string,
  error: string,
): Promise<void> {
  await db.delivery.updateMany({
    where: { id, status: "sending" },
    data: { status: "queued", lastError: error, attemptStartedAt: null },
  });
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

/** Deliveries of a tenant that did not go out (failed, suppressed, unknown), newest first. */
export async function listUndeliveredDeliveries(
  db: DbClient,
  tenantId: string,
  options: { limit: number },
) {
  return db.delivery.findMany({
    where: { tenantId, status: { in: ["failed", "suppressed", "unknown"] } },
    orderBy: { createdAt: "desc" },
    take: options.limit,
    select: {
      id: true,
      toAddress: true,
      status: true,
      lastError: true,
      attempts: true,
      createdAt: true,
    },
  });
}

/** A delivery with its recipient, for the pages behind the links in its email. */
export async function getDeliveryForLink(db: DbClient, id: string) {
  return db.delivery.findUnique({
    where: { id },
    include: { nudge: { include: { recipient: true } } },
  });
}
