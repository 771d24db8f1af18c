import { errorMessage, type Logger } from "@beklijf/core";

/**
 * What the directory API asks of the engine's queues (the all-in-one launcher passes the engine's
 * `engineJobs`). Without it, the reconciler plans re-opened statements on its next pass, and a
 * nudge job of an erased person finds no row and sends nothing.
 */
export interface JobsPort {
  removeNudgeJobs(jobIds: readonly string[]): Promise<void>;
  processStatements(
    tenantId: string,
    statementIds: readonly string[],
  ): Promise<void>;
}

/**
 * Removes the pending jobs of nudges a request cancelled or erased, for a route that has sent its
 * response already: with Redis down, BullMQ waits for a connection, and that must not hold up
 * the page. Best effort: a failure is logged, and a job that stays finds its nudge cancelled or
 * gone when it fires and sends nothing.
 */
export async function removeNudgeJobsAfterResponse(
  deps: { readonly jobs?: JobsPort; readonly logger: Logger },
  jobIds: readonly string[],
): Promise<void> {
  if (deps.jobs === undefined || jobIds.length === 0) return;
  try {
    await deps.jobs.removeNudgeJobs(jobIds);
  } catch (error) {
    deps.logger.warn(
      { err: errorMessage(error), jobs: jobIds.length },
      "could not remove the jobs of cancelled or erased nudges; they will find no nudge to send",
    );
  }
}
