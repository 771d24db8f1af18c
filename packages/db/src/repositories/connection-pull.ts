import type { DbClient, Prisma } from "../client";
import type { ConnectionView } from "./connections";

/** Where a pull connection stands in its LRS: the newest `stored` imported, and its ids. */
export interface PullCursor {
  /** The `stored` instant (ms precision) of the newest statement imported; null: none yet. */
  readonly stored: Date | null;
  /** The ids of the statements imported with exactly that instant. */
  readonly ids: readonly string[];
}

/** A pull run's cursor moved under it: another run of the same connection got there first. */
export class PullCursorMovedError extends Error {
  readonly code = "PULL_CURSOR_MOVED";
  constructor(connectionId: string) {
    super(
      `The pull cursor of connection ${connectionId} moved during this run`,
    );
    this.name = "PullCursorMovedError";
  }
}

/** The enabled pull connections of every tenant, for the pull schedules. */
export async function listPullSchedules(
  db: DbClient,
): Promise<{ id: string; pullIntervalSeconds: number }[]> {
  const rows = await db.connection.findMany({
    where: { mode: "pull", enabled: true, lrsEndpoint: { not: null } },
    select: { id: true, pullIntervalSeconds: true },
  });
  return rows.map((r) => ({
    id: r.id,
    pullIntervalSeconds: r.pullIntervalSeconds ?? 60,
  }));
}

/** A connection by id, in any tenant (the pull and forward workers have only the id). */
export async function getConnectionById(
  db: DbClient,
  id: string,
): Promise<ConnectionView | null> {
  return db.connection.findUnique({ where: { id } });
}

export function pullCursorOf(
  connection: Pick<ConnectionView, "pullCursorStored" | "pullCursorIds">,
): PullCursor {
  return {
    stored: connection.pullCursorStored,
    ids: connection.pullCursorIds,
  };
}

/**
 * Moves the cursor from `expected` to `next`, inside the transaction that stores the statements
 * read up to it. Throws PullCursorMovedError (rolling the statements back with it) when the
 * cursor is no longer `expected`.
 */
export async function advancePullCursor(
  tx: Prisma.TransactionClient,
  connectionId: string,
  expected: PullCursor,
  next: PullCursor,
): Promise<void> {
  const moved = await tx.$executeRaw`
    UPDATE connections
    SET pull_cursor_stored = ${next.stored}, pull_cursor_ids = ${[...next.ids]}::text[]
    WHERE id = ${connectionId}::uuid
      AND pull_cursor_stored IS NOT DISTINCT FROM ${expected.stored}::timestamptz
      AND pull_cursor_ids = ${[...expected.ids]}::text[]`;
  if (moved !== 1) throw new PullCursorMovedError(connectionId);
}

/**
 * Notes how a pull run ended: a success clears the error and the failure count; a failure
 * records its error and counts it. `nextRunAt` is when the next run may start.
 */
export async function recordPullOutcome(
  db: DbClient,
  connectionId: string,
  outcome: { at: Date; nextRunAt: Date; error?: string },
): Promise<void> {
  await db.connection.update({
    where: { id: connectionId },
    data:
      outcome.error === undefined
        ? {
            pullLastRunAt: outcome.at,
            pullLastSuccessAt: outcome.at,
            pullLastError: null,
            pullConsecutiveFailures: 0,
            pullNextRunAt: outcome.nextRunAt,
          }
        : {
            pullLastRunAt: outcome.at,
            pullLastError: outcome.error.slice(0, 2_000),
            pullConsecutiveFailures: { increment: 1 },
            pullNextRunAt: outcome.nextRunAt,
          },
  });
}
