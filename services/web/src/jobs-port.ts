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
