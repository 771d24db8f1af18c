import type { Logger } from "@beklijf/core";
import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";

import {
  CATALOG,
  type JobName,
  jobSpec,
  type Payload,
  type QueueName,
} from "./catalog";

export type Queues = { readonly [Q in QueueName]: Queue };

export interface QueueOptions {
  readonly connection: Redis;
  /** Key prefix with a Redis Cluster hash tag, e.g. "{beklijf}". */
  readonly prefix: string;
  readonly logger: Logger;
}

/** Opens one BullMQ Queue per catalog entry, each with an error listener. */
export function createQueues(options: QueueOptions): Queues {
  const open = (name: QueueName): Queue => {
    const queue = new Queue(name, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: {
        backoff: { type: "exponential", delay: 1_000 },
        // Completed jobs are kept briefly for inspection; failed ones longer, for diagnosis.
        removeOnComplete: { age: 24 * 3600, count: 1_000 },
        removeOnFail: { age: 14 * 24 * 3600 },
      },
    });
    queue.on("error", (error) => {
      options.logger.error({ err: error, queue: name }, "queue error");
    });
    return queue;
  };
  return {
    statements: open("statements"),
    nudges: open("nudges"),
    deliveries: open("deliveries"),
    lrs: open("lrs"),
  };
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}

/**
 * Adds a job after parsing its payload against the catalog. `jobId` is required: every beklijf job
 * has a deterministic id. `delayMs` is real milliseconds (the clock's realDelayUntil).
 */
export async function enqueue<Q extends QueueName, N extends JobName<Q>>(
  queues: Queues,
  queue: Q,
  name: N,
  payload: Payload<Q, N>,
  options: { jobId: string; delayMs?: number },
): Promise<void> {
  const spec = jobSpec(queue, name);
  if (spec === undefined)
    throw new Error(`No job "${name}" in the ${queue} catalog`);
  const data: unknown = spec.payload.parse(payload);
  await queues[queue].add(name, data, {
    jobId: options.jobId,
    delay: Math.max(0, Math.round(options.delayMs ?? 0)),
    attempts: spec.attempts,
  });
}

export type Handlers<Q extends QueueName> = {
  [N in JobName<Q>]: (
    payload: Payload<Q, N>,
    job: Job,
    token: string | undefined,
  ) => Promise<void>;
};

/**
 * One worker per queue that dispatches on `job.name`. Every job name in the catalog needs a
 * handler; a payload that fails its schema is unrecoverable (retrying cannot fix it).
 */
export function createWorker<Q extends QueueName>(
  queue: Q,
  handlers: Handlers<Q>,
  options: QueueOptions & { concurrency?: number },
): Worker {
  const byName: Record<
    string,
    (payload: never, job: Job, token: string | undefined) => Promise<void>
  > = handlers;
  const worker = new Worker(
    queue,
    async (job: Job, token?: string) => {
      const spec = jobSpec(queue, job.name);
      const handler = byName[job.name];
      if (spec === undefined || handler === undefined)
        throw new UnrecoverableError(
          `No handler for job "${job.name}" on queue ${queue}`,
        );
      const parsed = spec.payload.safeParse(job.data);
      if (!parsed.success)
        throw new UnrecoverableError(
          `Payload of ${job.name} ${job.id ?? ""} does not match its schema: ${parsed.error.message}`,
        );
      await handler(parsed.data as never, job, token);
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency ?? 10,
    },
  );
  worker.on("error", (error) => {
    options.logger.error({ err: error, queue }, "worker error");
  });
  worker.on("failed", (job, error) => {
    options.logger.warn(
      { err: error, queue, jobId: job?.id, attemptsMade: job?.attemptsMade },
      "job failed",
    );
  });
  return worker;
}

export { CATALOG };
