import { errorMessage } from "@beklijf/core";
import { createWorker, type QueueOptions } from "@beklijf/queue";

import type { IngestDeps } from "./deps";
import { forwardAnswer } from "./forward/forward-answer";
import { pullConnection } from "./pull/pull-connection";
import { syncPullSchedules } from "./pull/pull-schedules";

export interface LrsWorkerOptions {
  /** A worker connection (maxRetriesPerRequest: null). */
  readonly connection: QueueOptions["connection"];
  readonly prefix: string;
  /** Secrets that open stored LRS passwords: BEKLIJF_SECRET first. */
  readonly secrets: readonly string[];
  /** How often the pull schedules are matched to Postgres, in ms. @defaultValue 5000 */
  readonly syncIntervalMs?: number;
  /**
   * Keep the pull schedules in step with Postgres. Off only in tests that forward answers on a
   * database other tests' pull connections live in. @defaultValue true
   */
  readonly schedulePulls?: boolean;
}

export interface LrsWorker {
  /** Matches the pull schedules to Postgres now. */
  syncSchedules(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The worker of the lrs queue: `connection.pull` (read an external LRS) and `answer.forward`
 * (send an answer to one), plus the loop that keeps the pull schedules in step with Postgres.
 */
export function startLrsWorker(
  deps: IngestDeps,
  options: LrsWorkerOptions,
): LrsWorker {
  const jobDeps = { ...deps, secrets: options.secrets };
  const worker = createWorker(
    "lrs",
    {
      "connection.pull": async ({ connectionId }) => {
        await pullConnection(jobDeps, connectionId);
      },
      "answer.forward": async ({ answerId }) => {
        await forwardAnswer(jobDeps, answerId);
      },
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      logger: deps.logger,
      concurrency: 4,
    },
  );
  const sync = async (): Promise<void> => {
    try {
      await syncPullSchedules(deps);
    } catch (error) {
      deps.logger.warn(
        { err: errorMessage(error) },
        "could not match the pull schedules to the database; retrying",
      );
    }
  };
  let timer: NodeJS.Timeout | undefined;
  if (options.schedulePulls ?? true) {
    void sync();
    timer = setInterval(() => void sync(), options.syncIntervalMs ?? 5_000);
    timer.unref();
  }
  return {
    syncSchedules: sync,
    stop: async () => {
      clearInterval(timer);
      await worker.close();
    },
  };
}
