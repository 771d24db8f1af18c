import type { Clock } from "@beklijf/core";
import { type PrismaClient, storeStatements } from "@beklijf/db";
import {
  closeQueues,
  createQueues,
  dispatchHandOffs,
  enqueue,
  type Job,
  type Queue,
  type Queues,
  statementHandOff,
  statementSliceHandOffs,
} from "@beklijf/queue";
import { type PreparedStatement, prepareStatement } from "@beklijf/xapi";
import type { Redis } from "ioredis";

import {
  clearRedisPrefix,
  eventually,
  testLogger,
  testRedis,
  uniqueRedisPrefix,
} from "./harness";

/** Every state a BullMQ job can be in, for `queue.getJobs([...ALL_JOB_STATES])`. */
export const ALL_JOB_STATES = [
  "waiting",
  "delayed",
  "active",
  "completed",
  "failed",
  "prioritized",
  "waiting-children",
] as const;

/**
 * The jobs on the statements queue, in any state, that carry this statement: statements.process
 * slices that hold it, and single statement.process jobs (which releases before batching made).
 */
export async function statementJobsCarrying(
  queue: Queue,
  tenantId: string,
  statementId: string,
): Promise<Job[]> {
  const jobs = await queue.getJobs([...ALL_JOB_STATES]);
  return jobs.filter((job) => {
    const data = job.data as {
      tenantId?: string;
      statementId?: string;
      statementIds?: string[];
    };
    return (
      data.tenantId === tenantId &&
      (data.statementId === statementId ||
        (data.statementIds ?? []).includes(statementId))
    );
  });
}

/**
 * The outbox rows of a tenant that hand off this statement: statements.process slices that name
 * it, and single statement.process rows (which releases before slices wrote).
 */
export async function outboxRowsCarrying(
  db: PrismaClient,
  tenantId: string,
  statementId: string,
) {
  const rows = await db.outboxEvent.findMany({
    where: { tenantId, queue: "statements" },
    orderBy: { id: "asc" },
  });
  return rows.filter((row) => {
    const payload = row.payload as {
      statementId?: string;
      statementIds?: string[];
    };
    return (
      payload.statementId === statementId ||
      (payload.statementIds ?? []).includes(statementId)
    );
  });
}

/**
 * The queues of one test file, on their own Redis connection and key prefix. `prefix`,
 * `connection` and `queues` carry the names the services' deps use, so spread it into them.
 */
export interface TestQueues {
  readonly prefix: string;
  /** Usable by workers too (maxRetriesPerRequest: null). */
  readonly connection: Redis;
  readonly queues: Queues;
  /** Closes the queues, deletes every key under the prefix and quits the connection. */
  close(): Promise<void>;
}

/**
 * Opens every queue under a fresh prefix `{<label>-<hex>}` on a new connection to the test Redis.
 * Call it at describe level and `close()` it in afterAll, after the workers that use it stopped.
 */
export function testQueues(label: string): TestQueues {
  const prefix = uniqueRedisPrefix(label);
  const connection = testRedis();
  const queues = createQueues({ connection, prefix, logger: testLogger });
  return {
    prefix,
    connection,
    queues,
    close: async () => {
      await closeQueues(queues);
      await clearRedisPrefix(connection, prefix);
      await connection.quit();
    },
  };
}

/**
 * Gives each planned nudge its delayed `nudge.fire` job, an hour ahead by default, as the engine
 * enqueues the nudges due within its horizon.
 */
export async function enqueueNudgeJobs(
  queues: Queues,
  nudges: Iterable<{ readonly id: string; readonly jobId: string }>,
  delayMs = 3_600_000,
): Promise<void> {
  for (const nudge of nudges)
    await enqueue(
      queues,
      "nudges",
      "nudge.fire",
      { plannedNudgeId: nudge.id },
      { jobId: nudge.jobId, delayMs },
    );
}

/**
 * Waits until a job has completed or failed for good (a failure with retries left keeps waiting),
 * and returns the job as it was then. Fails after `timeoutMs` if it is still pending or missing.
 */
export async function jobSettled(
  queue: Queue,
  jobId: string,
  options: { timeoutMs: number },
): Promise<{ job: Job; state: "completed" | "failed" }> {
  return eventually(
    async () => {
      // State first, then the job: a snapshot read before the state could predate the finish.
      const state = await queue.getJobState(jobId);
      const job = await queue.getJob(jobId);
      return job !== undefined && (state === "completed" || state === "failed")
        ? { job, state }
        : undefined;
    },
    { timeoutMs: options.timeoutMs, what: `job ${jobId} to finish` },
  );
}

/**
 * Stores a statement as ingest does: validated with `prepareStatement` (an invalid one throws),
 * then stored with its statement.process hand-off in the outbox, in one transaction. The hand-off
 * is not dispatched: use `receiveStatement` for that. Returns the prepared statement.
 */
export async function storeStatement(input: {
  db: PrismaClient;
  tenantId: string;
  statement: unknown;
  clock: Clock;
}): Promise<PreparedStatement> {
  const { db, tenantId, clock } = input;
  const prepared = prepareStatement(input.statement, { clock });
  if (!prepared.ok)
    throw new Error(
      `test statement is invalid: ${JSON.stringify(prepared.error)}`,
    );
  await storeStatements(db, {
    tenantId,
    connectionId: null,
    statements: [prepared.value],
    handOffs: (ids) => statementSliceHandOffs(tenantId, ids),
  });
  return prepared.value;
}

/**
 * Receives a statement as ingest does: `storeStatement`, then the fast-path dispatch of its
 * statement.process job to Redis. Does not wait for the engine; returns the statement's id.
 */
export async function receiveStatement(input: {
  db: PrismaClient;
  queues: Queues;
  tenantId: string;
  statement: unknown;
  clock: Clock;
}): Promise<string> {
  const { id } = await storeStatement(input);
  await dispatchHandOffs(input.queues, [statementHandOff(input.tenantId, id)]);
  return id;
}
