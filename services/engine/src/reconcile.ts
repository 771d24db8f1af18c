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
  STATEMENT_BATCH_MAX,
  statementBatchJobId,
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
 * Makes sure statements.process jobs exist for these statements (in slices of
 * STATEMENT_BATCH_MAX, each with the id its slice derives). A slice's job may be missing although
 * the statements also sit in another job (the fast path sliced them differently): processing
 * them twice is harmless, as the engine skips what it finished. Returns how many statements got a
 * new job.
 */
export async function ensureStatementJobs(
  deps: Pick<EngineDeps, "queues">,
  tenantId: string,
  ids: readonly string[],
): Promise<number> {
  let added = 0;
  for (let i = 0; i < ids.length; i += STATEMENT_BATCH_MAX) {
    const slice = ids.slice(i, i + STATEMENT_BATCH_MAX);
    if (
      await ensureJob(
        deps.queues.statements,
        statementBatchJobId(tenantId, slice),
        () =>
          dispatchHandOffs(
            deps.queues,
            slice.map((id) => statementHandOff(tenantId, id)),
          ),
      )
    )
      added += slice.length;
  }
  return added;
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
    // Statements wait in slices whose ids the reconciler cannot derive, so while the engine still
    // has statement jobs to do it cannot tell a lost one from a queued one; re-adding a backlog
    // would only do it twice. It acts once the queue is idle (after a Redis loss it is empty).
    // Statements whose hand-off was never enqueued are the outbox relay's, which needs no wait.
    const counts = await deps.queues.statements.getJobCounts(
      "waiting",
      "active",
      "delayed",
      "prioritized",
    );
    if (Object.values(counts).some((n) => n > 0)) return 0;
    const storedBefore = new Date(
      deps.clock.now().getTime() - options.graceMs * deps.clock.scale,
    );
    // Oldest first and bounded: a pass handles a backlog in slices, the next pass continues.
    const byTenant = new Map<string, string[]>();
    for (const { tenantId, id } of await listUnprocessedStatements(deps.db, {
      storedBefore,
      limit: 1_000,
    })) {
      const ids = byTenant.get(tenantId) ?? [];
      ids.push(id);
      byTenant.set(tenantId, ids);
    }
    let added = 0;
    for (const [tenantId, ids] of byTenant)
      added += await ensureStatementJobs(deps, tenantId, ids);
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
  const pass = async (): Promise<number> =>
    (await reconcileStatements()) +
    (await reconcileNudges()) +
    (await reconcileDeliveries());
  // One pass at a time in a process: a pass asked for while the timer's runs waits for it (so a
  // caller sees a pass that started after its call, not half of an earlier one).
  let running: Promise<number> | undefined;
  let stopped = false;
  const runOnce = async (): Promise<number> => {
    while (running !== undefined) await running.catch(() => undefined);
    const current = pass();
    running = current;
    try {
      return await current;
    } finally {
      if (running === current) running = undefined;
    }
  };
  const tick = (): void => {
    if (stopped || running !== undefined) return;
    runOnce()
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
      await running?.catch(() => undefined);
    },
  };
}
