import { errorMessage } from "@beklijf/core";
import { listPlannedNudges } from "@beklijf/db";

import type { EngineDeps } from "./deps";
import { enqueueNudge } from "./enqueue-nudge";

export interface Reconciler {
  /** One pass; returns how many jobs it (re-)added. Safe to run any time, from any process. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Postgres is the timer of record: every planned nudge due within the horizon must have a job.
 * A pass re-adds missing jobs (Redis lost, crash between commit and enqueue) and replaces jobs
 * that finished while their row still says "planned". Deterministic ids keep it idempotent.
 */
export function startReconciler(deps: EngineDeps, options: { horizonMs: number; intervalMs: number }): Reconciler {
  const runOnce = async (): Promise<number> => {
    let added = 0;
    let afterId: string | undefined;
    const dueBefore = new Date(deps.clock.now().getTime() + options.horizonMs);
    for (;;) {
      const page = await listPlannedNudges(deps.db, { dueBefore, limit: 500, ...(afterId === undefined ? {} : { afterId }) });
      if (page.length === 0) return added;
      for (const nudge of page) {
        const job = await deps.queues.nudges.getJob(nudge.jobId);
        if (job !== undefined) {
          const state = await job.getState();
          if (state !== "completed" && state !== "failed") continue;
          await job.remove();
        }
        await enqueueNudge(deps, nudge);
        added += 1;
      }
      afterId = page[page.length - 1]?.id;
    }
  };
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped || running !== undefined) return;
    running = runOnce()
      .then((added) => {
        if (added > 0) deps.logger.info({ added }, "reconciler restored nudge jobs");
      })
      .catch((error: unknown) => { deps.logger.warn({ err: errorMessage(error) }, "reconciler pass failed; retrying on the next tick"); })
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
