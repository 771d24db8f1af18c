import type { EngineDeps } from "./deps";
import { ensureStatementJobs } from "./reconcile";
import { removeNudgeJobs } from "./remove-jobs";

/** What other services (the directory API) ask of the engine's queues. */
export interface EngineJobs {
  /** Removes the pending jobs of nudges that were erased or cancelled (best effort). */
  removeNudgeJobs(jobIds: readonly string[]): Promise<void>;
  /**
   * Hands statements to the engine again (their rows say unprocessed), e.g. after the directory
   * learned who their learner is. A finished job under the same id is replaced.
   */
  processStatements(
    tenantId: string,
    statementIds: readonly string[],
  ): Promise<void>;
}

export function engineJobs(
  deps: Pick<EngineDeps, "queues" | "logger">,
): EngineJobs {
  return {
    removeNudgeJobs: (jobIds) => removeNudgeJobs(deps, jobIds),
    processStatements: async (tenantId, statementIds) => {
      await ensureStatementJobs(deps, tenantId, statementIds);
    },
  };
}
