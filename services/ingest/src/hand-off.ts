import { errorMessage } from "@beklijf/core";
import { markOutboxDispatched, type OutboxEntry } from "@beklijf/db";
import { dispatchHandOffs } from "@beklijf/queue";

import type { IngestDeps } from "./deps";

/** Marks outbox rows done by job id (markOutboxDispatched, or the statement writer's own). */
export type MarkDispatched = (jobIds: readonly string[]) => Promise<void>;

/**
 * How long a request waits for the fast path, in real milliseconds. BullMQ waits for a Redis that
 * has never connected instead of failing, so without a bound a request would hang during an outage.
 */
const FAST_PATH_TIMEOUT_MS = 1_000;

/**
 * The fast path after commit: enqueue now and mark the outbox rows done. If Redis is down this
 * only logs; the outbox relay enqueues the rows once Redis is back, so nothing is lost.
 */
export async function dispatchNow(
  deps: Pick<IngestDeps, "db" | "queues" | "clock" | "logger">,
  entries: readonly OutboxEntry[],
  markDispatched: MarkDispatched = (jobIds) =>
    markOutboxDispatched(deps.db, jobIds),
): Promise<void> {
  if (entries.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    const dispatched = dispatchHandOffs(deps.queues, entries);
    // When the timeout wins, this may still reject later, with nobody waiting for it.
    dispatched.catch(() => undefined);
    await Promise.race([
      dispatched,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          reject(
            new Error(`no answer from Redis within ${FAST_PATH_TIMEOUT_MS} ms`),
          );
        }, FAST_PATH_TIMEOUT_MS);
      }),
    ]);
    await markDispatched(entries.map((e) => e.jobId));
  } catch (error) {
    deps.logger.warn(
      { err: errorMessage(error), count: entries.length },
      "could not enqueue now; the outbox relay will retry",
    );
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Hands off what the group-commit writer stored, after the answer went out. Entries that commit
 * within `coalesceMs` of each other are enqueued together (one addBulk, one UPDATE): under load
 * that is one Redis and one Postgres round trip for many requests instead of one per commit.
 * Failures only log; the outbox relay retries.
 * @defaultValue coalesceMs 50
 */
export function createHandOffDispatcher(
  deps: Pick<IngestDeps, "db" | "queues" | "clock" | "logger">,
  options: { coalesceMs?: number; markDispatched?: MarkDispatched } = {},
): {
  dispatch(entries: readonly OutboxEntry[]): void;
  drain(): Promise<void>;
} {
  const coalesceMs = options.coalesceMs ?? 50;
  let pending: OutboxEntry[] = [];
  let flushing: Promise<void> | undefined;
  const flush = async (): Promise<void> => {
    await new Promise((resolve) => setTimeout(resolve, coalesceMs));
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      await dispatchNow(deps, batch, options.markDispatched);
    }
    flushing = undefined;
  };
  return {
    dispatch: (entries) => {
      if (entries.length === 0) return;
      pending.push(...entries);
      flushing ??= flush();
    },
    drain: async () => {
      while (flushing !== undefined) await flushing;
    },
  };
}
