import { createWorker } from "@beklijf/queue";

import type { EngineDeps, EngineOptions } from "./deps";
import { startReconciler } from "./reconcile";
import { tenantConfigCache } from "./tenant-config";
import { nudgeHandlers } from "./workers/nudges";
import { statementHandlers } from "./workers/statements";

export interface EngineHandle {
  /** Runs one reconciler pass now (tests and operators). */
  reconcile(): Promise<number>;
  stop(): Promise<void>;
}

const DAY_MS = 24 * 3600 * 1000;
/** Nudge workers per engine process, and jobs each runs at a time (1,000 in all). */
const NUDGE_WORKERS = 4;
const NUDGE_JOBS_PER_WORKER = 250;

export function start(
  deps: EngineDeps,
  options: EngineOptions = {},
): EngineHandle {
  const horizonMs = options.horizonMs ?? 2 * DAY_MS;
  // Under a time scale the horizon passes in seconds, so reconcile at least four times per horizon.
  const intervalMs =
    options.reconcileIntervalMs ??
    Math.max(250, Math.min(60_000, horizonMs / deps.clock.scale / 4));
  const workerOptions = {
    connection: deps.connection,
    prefix: deps.prefix,
    logger: deps.logger,
  };
  const config = tenantConfigCache(deps.db, {
    maxAgeMs: options.configMaxAgeMs ?? 1_000,
  });
  const statements = createWorker(
    "statements",
    statementHandlers(deps, { horizonMs, config }),
    { ...workerOptions, concurrency: 20 },
  );
  // Many jobs at once, so that nudges falling due together share their queries (nudgeHandlers
  // batches them). A BullMQ worker fetches one job per Redis round trip, in sequence, so several
  // workers share one set of handlers (and one batcher) to fetch in parallel.
  const fire = nudgeHandlers(deps, { config });
  const nudges = Array.from({ length: NUDGE_WORKERS }, () =>
    createWorker("nudges", fire, {
      ...workerOptions,
      concurrency: NUDGE_JOBS_PER_WORKER,
    }),
  );
  const reconciler = startReconciler(deps, {
    horizonMs,
    intervalMs,
    graceMs: options.reconcileGraceMs ?? 5_000,
  });
  return {
    reconcile: () => reconciler.runOnce(),
    stop: async () => {
      await reconciler.stop();
      await Promise.all([
        statements.close(),
        ...nudges.map((worker) => worker.close()),
      ]);
    },
  };
}
