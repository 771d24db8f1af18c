import { DelayedError, type Handlers, type Job } from "@beklijf/queue";

import type { EngineDeps } from "../deps";
import { createMicroBatcher } from "../micro-batcher";
import type { TenantConfigCache } from "../tenant-config";
import { fireNudges } from "./fire-nudges";

export { skipReason } from "./fire-nudges";

/**
 * How the nudges worker batches fires. A job waits at most `windowMs` real milliseconds for
 * others to share its queries with; `maxBatch` jobs go at once.
 */
export interface FireBatching {
  /** @defaultValue 20 ms */
  readonly windowMs: number;
  /** @defaultValue 100 */
  readonly maxBatch: number;
}

const DEFAULT_BATCHING: FireBatching = { windowMs: 20, maxBatch: 100 };

/**
 * nudge.fire: re-check from Postgres, then hand the nudge to the mailer (or record why not).
 * Jobs that run within a few milliseconds of each other share one re-check query, one hand-off
 * transaction and one enqueue of their deliveries (see `fireNudges`); each job still ends on its
 * own: completed, delayed, or failed with its own error.
 */
export function nudgeHandlers(
  deps: EngineDeps,
  options: { config: TenantConfigCache; batching?: FireBatching },
): Handlers<"nudges"> {
  const batcher = createMicroBatcher(
    (ids: readonly string[]) => fireNudges(deps, options.config, ids),
    options.batching ?? DEFAULT_BATCHING,
  );
  return {
    "nudge.fire": async ({ plannedNudgeId }, job, token) => {
      const outcome = await batcher.submit(plannedNudgeId);
      if (outcome.kind === "delay") await delayJob(job, token, outcome.until);
    },
  };

  async function delayJob(
    job: Job,
    token: string | undefined,
    until: Date,
  ): Promise<never> {
    if (token === undefined)
      throw new Error("cannot delay a job without a token");
    await job.moveToDelayed(
      Date.now() + deps.clock.realDelayUntil(until),
      token,
    );
    throw new DelayedError();
  }
}
