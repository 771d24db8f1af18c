import { errorMessage } from "@beklijf/core";
import {
  listPendingOutbox,
  markOutboxDispatched,
  markOutboxFailed,
  pruneDispatchedOutbox,
} from "@beklijf/db";
import { dispatchHandOffs, InvalidHandOffError } from "@beklijf/queue";

import type { IngestDeps } from "./deps";

export interface OutboxRelay {
  /** Runs one pass; returns how many entries it dispatched. */
  runOnce(): Promise<number>;
  /** Deletes entries dispatched longer than the retention ago; returns how many. */
  pruneOnce(): Promise<number>;
  stop(): Promise<void>;
}

/** How long dispatched entries stay (for looking into a hand-off) before the relay deletes them. */
const DEFAULT_RETENTION_MS = 60 * 60 * 1000;
/** How often the relay prunes, at most. */
const PRUNE_EVERY_MS = 60 * 1000;

/**
 * Enqueues outbox entries that the fast path did not (Redis was down, or the process died between
 * commit and enqueue). Entries younger than `graceMs` are left to the fast path. Once a minute it
 * also deletes entries dispatched more than `retentionMs` (default an hour) ago.
 */
export function startOutboxRelay(
  deps: Pick<IngestDeps, "db" | "queues" | "clock" | "logger">,
  options: {
    intervalMs: number;
    graceMs: number;
    batchSize?: number;
    retentionMs?: number;
  },
): OutboxRelay {
  let running: Promise<number> | undefined;
  let stopped = false;
  let lastPrune = 0;
  const pruneOnce = async (): Promise<number> => {
    // Real time, like dispatched_at (Postgres stamps it with now()).
    const dispatchedBefore = new Date(
      Date.now() - (options.retentionMs ?? DEFAULT_RETENTION_MS),
    );
    let total = 0;
    for (;;) {
      const deleted = await pruneDispatchedOutbox(deps.db, {
        dispatchedBefore,
        limit: 5_000,
      });
      total += deleted;
      if (deleted < 5_000 || stopped) return total;
    }
  };
  const runOnce = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      // Grace is real time, like the rows' createdAt (Postgres stamps it with now()). Clock time
      // would let a scaled clock push the cutoff past every row and race the fast path.
      const before = new Date(Date.now() - options.graceMs);
      const pending = await listPendingOutbox(deps.db, {
        createdBefore: before,
        limit: options.batchSize ?? 500,
      });
      if (pending.length === 0) {
        if (Date.now() - lastPrune >= PRUNE_EVERY_MS) {
          lastPrune = Date.now();
          const pruned = await pruneOnce();
          if (pruned > 0)
            deps.logger.info(
              { pruned },
              "outbox relay deleted old dispatched entries",
            );
        }
        return total;
      }
      const dispatched: string[] = [];
      for (const entry of pending) {
        try {
          await dispatchHandOffs(deps.queues, [entry]);
          dispatched.push(entry.jobId);
        } catch (error) {
          if (!(error instanceof InvalidHandOffError)) throw error;
          // A poison entry must not block every entry behind it: set it aside, visibly.
          deps.logger.error(
            { err: error.message, outboxId: String(entry.id) },
            "outbox entry cannot be enqueued; set aside",
          );
          await markOutboxFailed(deps.db, entry.id, error.message);
        }
      }
      await markOutboxDispatched(deps.db, dispatched);
      total += dispatched.length;
    }
  };
  const tick = (): void => {
    if (stopped || running !== undefined) return;
    running = runOnce()
      .then((count) => {
        if (count > 0)
          deps.logger.info({ count }, "outbox relay dispatched entries");
        return count;
      })
      .catch((error: unknown) => {
        deps.logger.warn(
          { err: errorMessage(error) },
          "outbox relay pass failed; retrying on the next tick",
        );
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return {
    runOnce,
    pruneOnce,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
