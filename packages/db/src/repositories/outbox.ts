import type { DbClient, Prisma } from "../client";

/** A hand-off to a queue, written in the same transaction as the change it announces. */
export interface OutboxEntry {
  readonly tenantId: string;
  readonly queue: string;
  readonly jobName: string;
  readonly jobId: string;
  /** A JSON object: strings, and for a statements.process slice the array of statement ids. */
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface PendingOutboxEvent extends OutboxEntry {
  readonly id: bigint;
}

export async function addOutboxEvents(
  db: DbClient,
  entries: readonly OutboxEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  await db.outboxEvent.createMany({
    data: entries.map((e) => ({
      ...e,
      payload: e.payload as Prisma.InputJsonObject,
    })),
  });
}

/** Undispatched events created before `createdBefore`, oldest first. */
export async function listPendingOutbox(
  db: DbClient,
  options: { createdBefore: Date; limit: number },
): Promise<PendingOutboxEvent[]> {
  const rows = await db.outboxEvent.findMany({
    where: { dispatchedAt: null, createdAt: { lt: options.createdBefore } },
    orderBy: { id: "asc" },
    take: options.limit,
  });
  return rows.map((row) => ({
    id: row.id,
    tenantId: row.tenantId,
    queue: row.queue,
    jobName: row.jobName,
    jobId: row.jobId,
    payload: toJsonObject(row.payload),
  }));
}

/**
 * Marks entries as enqueued. Stamped by Postgres (like `created_at`), because outbox times are
 * operational real time, whatever the engine's clock says.
 */
export async function markOutboxDispatched(
  db: DbClient,
  jobIds: readonly string[],
): Promise<void> {
  if (jobIds.length === 0) return;
  await db.$executeRaw`UPDATE outbox_events SET dispatched_at = now() WHERE job_id = ANY(${[...jobIds]}::text[]) AND dispatched_at IS NULL`;
}

/**
 * Deletes up to `limit` entries enqueued before `dispatchedBefore` (oldest first); returns how
 * many. Entries set aside with an error stay, for an operator to see. Without this the table
 * would grow by one row per statement slice and nudge hand-off forever.
 */
export async function pruneDispatchedOutbox(
  db: DbClient,
  options: { dispatchedBefore: Date; limit: number },
): Promise<number> {
  return db.$executeRaw`DELETE FROM outbox_events WHERE id IN (
      SELECT id FROM outbox_events
       WHERE dispatched_at < ${options.dispatchedBefore} AND error IS NULL
       ORDER BY dispatched_at, id LIMIT ${options.limit})`;
}

/** Takes an entry that can never be enqueued out of the relay's way, keeping why. */
export async function markOutboxFailed(
  db: DbClient,
  id: bigint,
  error: string,
): Promise<void> {
  await db.$executeRaw`UPDATE outbox_events SET dispatched_at = now(), error = ${error} WHERE id = ${id}`;
}

/** The stored payload as it is (dispatch validates it against the job's schema), or {}. */
function toJsonObject(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return {};
  return value as Record<string, unknown>;
}
