import type { CliConfig } from "@beklijf/config";
import { errorMessage, type Logger } from "@beklijf/core";
import { EMBEDDED_REDIS_PORT } from "@beklijf/embedded";
import {
  closeQueues,
  createQueues,
  createRedisConnection,
  pingRedis,
} from "@beklijf/queue";

/** What became of the pending jobs of erased nudges. */
export interface NudgeJobRemoval {
  /** Jobs removed from Redis; the others were not there, or were running. */
  readonly removed: number;
  /** Set when Redis could not be reached (no URL in it: it may hold a password). */
  readonly unreachable?: string;
}

/**
 * Removes the delayed jobs of nudges from the queues, best effort: the CLI is not the engine,
 * so Redis is REDIS_URL, else the Redis `npm start` uses (127.0.0.1:6379, else the redis-server it
 * starts on 63790). When none answers, the jobs stay; each finds no row when it fires and sends
 * nothing, so this only keeps Redis clean. Never starts a Redis.
 */
export async function removeNudgeJobs(
  config: Pick<CliConfig, "REDIS_URL" | "BEKLIJF_REDIS_PREFIX">,
  logger: Logger,
  jobIds: readonly string[],
): Promise<NudgeJobRemoval> {
  if (jobIds.length === 0) return { removed: 0 };
  const candidates =
    config.REDIS_URL === undefined
      ? ["redis://127.0.0.1:6379", `redis://127.0.0.1:${EMBEDDED_REDIS_PORT}`]
      : [config.REDIS_URL];
  let url: string | undefined;
  for (const candidate of candidates)
    if (await pingRedis(candidate)) {
      url = candidate;
      break;
    }
  const where =
    config.REDIS_URL === undefined
      ? `no Redis answers on 127.0.0.1:6379 or 127.0.0.1:${EMBEDDED_REDIS_PORT}`
      : "the Redis at REDIS_URL does not answer";
  if (url === undefined) return { removed: 0, unreachable: where };
  const connection = createRedisConnection(url, "producer");
  connection.on("error", () => undefined);
  const queues = createQueues({
    connection,
    prefix: config.BEKLIJF_REDIS_PREFIX,
    logger,
  });
  let removed = 0;
  let failure: string | undefined;
  try {
    for (const jobId of jobIds) {
      // BullMQ's remove answers 1 for a job that is not there too: count only jobs that were.
      if ((await queues.nudges.getJobState(jobId)) === "unknown") continue;
      removed += await queues.nudges.remove(jobId);
    }
  } catch (error) {
    failure = errorMessage(error);
  } finally {
    await closeQueues(queues).catch(() => undefined);
    connection.disconnect();
  }
  return failure === undefined
    ? { removed }
    : {
        removed,
        unreachable: `Redis failed while removing the jobs: ${failure}`,
      };
}
