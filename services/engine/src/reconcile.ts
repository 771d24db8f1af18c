import { errorMessage } from "@beklijf/core";
import {
  listPlannedNudges,
  listUnprocessedStatements,
  listUnsentDeliveries,
} from "@beklijf/db";
import {
  deliveryHandOff,
  dispatchHandOffs,
  type Queue,
  statementHandOff,
} from "@beklijf/queue";

import type { EngineDeps } from "./deps";
import { ensureNudgeJobs } from "./enqueue-nudge";

export interface Reconciler {
  /** One pass; returns how many jobs it (re-)added. Safe to run any time, from any process. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Makes sure a job exists for work that Postgres says is pending: adds it when it is missing, and
 * replaces it when it finished while the row still says pending (a retry budget spent during an
 * outage). Returns true when it added a job.
 */
export async function ensureJob(
  queue: Queue,
  jobId: string,
  add: () => Promise<void>,
): Promise<boolean> {
  const job = await queue.getJob(jobId);
  if (job !== undefined) {
    const state = await job.getState();
    if (state !== "completed" && state !== "failed") return false;
    await job.remove();
  }
  await add();
  return true;
}

/**
 * Postgres is the record of all pending work; Redis only accelerates it. A pass gives a job to
 * every planned nudge due within the horizon, every statement the engine has not finished, and
 * every delivery not yet sent, so losing Redis (or crashing between commit and enqueue) loses
 * nothing. Deterministic job ids make it idempotent and safe from any number of processes.
 */
export function startReconciler(
  deps: EngineDeps,
  options: { horizonMs: number; intervalMs: number; graceMs: number },
): Reconciler {
  const reconcileNudges = async (): Promise<number> => {
    let added = 0;
    let afterId: string | undefined;
    const dueBefore = new Date(deps.clock.now().getTime() + options.horizonMs);
    for (;;) {
      const page = await listPlannedNudges(deps.db, {
        dueBefore,
        limit: 500,
        ...(afterId === undefined ? {} : { afterId }),
      });
      if (page.length === 0) return added;
      added += await ensureNudgeJobs(deps, page);
      afterId = page[page.length - 1]?.id;
    }
  };
  const reconcileStatements = async (): Promise<number> => {
    let added = 0;
    const storedBefore = new Date(
      deps.clock.now().getTime() - options.graceMs * deps.clock.scale,
    );
    // Oldest first and bounded: a pass handles a backlog in slices, the next pass continues.
    for (const { tenantId, id } of await listUnprocessedStatements(deps.db, {
      storedBefore,
      limit: 1_000,
    })) {
      const handOff = statementHandOff(tenantId, id);
      if (
        await ensureJob(deps.queues.statements, handOff.jobId, () =>
          dispatchHandOffs(deps.queues, [handOff]),
        )
      )
        added += 1;
    }
    return added;
  };
  const reconcileDeliveries = async (): Promise<number> => {
    let added = 0;
    let afterId: string | undefined;
    for (;;) {
      const page = await listUnsentDeliveries(deps.db, {
        olderThanSeconds: options.graceMs / 1000,
        limit: 500,
        ...(afterId === undefined ? {} : { afterId }),
      });
      if (page.length === 0) return added;
      for (const { id } of page) {
        const handOff = deliveryHandOff(id);
        if (
          await ensureJob(deps.queues.deliveries, handOff.jobId, () =>
            dispatchHandOffs(deps.queues, [handOff]),
          )
        )
          added += 1;
      }
      afterId = page[page.length - 1]?.id;
    }
  };
  const runOnce = async (): Promise<number> =>
    (await reconcileStatements()) +
    (await reconcileNudges()) +
    (await reconcileDeliveries());
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped || running !== undefined) return;
    running = runOnce()
      .then((added) => {
        if (added > 0)
          deps.logger.info(
            { added },
            "reconciler enqueued jobs (nudges now within the horizon, or jobs missing from Redis)",
          );
      })
      .catch((error: unknown) => {
        deps.logger.warn(
          { err: errorMessage(error) },
          "reconciler pass failed; retrying on the next tick",
        );
      })
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  tick();
  return {
    runOnce,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
