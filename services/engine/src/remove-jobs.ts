import { errorMessage } from "@beklijf/core";

import type { EngineDeps } from "./deps";

/**
 * Removes the pending jobs of nudges that were cancelled or erased. Best effort: a job that stays
 * (Redis down, or it is running right now) finds its row cancelled or gone when it fires, and
 * sends nothing; this only keeps Redis clean.
 */
export async function removeNudgeJobs(
  deps: Pick<EngineDeps, "queues" | "logger">,
  jobIds: readonly string[],
): Promise<void> {
  for (const jobId of jobIds) {
    try {
      await deps.queues.nudges.remove(jobId);
    } catch (error) {
      deps.logger.warn(
        { err: errorMessage(error), jobId },
        "could not remove the job of a cancelled nudge; it will find the row cancelled",
      );
    }
  }
}
